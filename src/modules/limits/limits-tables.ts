import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Requests counted per rate-limit key (an organization and route class, or a client address) and
 * one-minute window, shared by every process on the database. Processes add their counts in
 * batches (docs/limits.md); windows older than the previous one are deleted.
 */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    /** The window: minutes since the Unix epoch. */
    windowMinute: bigint('window_minute', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.key, table.windowMinute] }),
    index('rate_limit_counters_window_idx').on(table.windowMinute),
  ],
);

/**
 * Failed sign-ins per account and client address, per address, and per account, with the lock
 * they earned. Keys are SHA-256 hashes, so neither emails nor addresses are stored. An account and
 * address pair also remembers its last successful sign-in: the lock on the account alone spares
 * addresses it signed in from.
 */
export const signInFailures = pgTable(
  'sign_in_failures',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull().default(0),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true }),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    succeededAt: timestamp('succeeded_at', { withTimezone: true }),
  },
  (table) => [index('sign_in_failures_last_failure_idx').on(table.lastFailureAt)],
);
