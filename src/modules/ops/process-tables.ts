import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per running Agentry process (API, worker or both), kept alive by its heartbeat. Work a
 * process holds (its runs) names its lease; when the heartbeat stops, the lease expires and the
 * other processes end that work (DESIGN section 10, turn durability).
 */
export const processLeases = pgTable(
  'process_leases',
  {
    id: uuid('id').primaryKey(),
    role: text('role', { enum: ['all', 'api', 'worker'] }).notNull(),
    hostname: text('hostname').notNull(),
    pid: integer('pid').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('process_leases_heartbeat_idx').on(table.heartbeatAt)],
);
