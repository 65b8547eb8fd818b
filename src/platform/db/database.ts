import type { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';

/** Drizzle over PGlite or node-postgres: the same query builder, so modules never see the difference. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;
export type Transaction = PgTransaction<
  PgQueryResultHKT,
  Record<string, never>,
  ExtractTablesWithRelations<Record<string, never>>
>;
/** Either the database or an open transaction: repository functions accept both. */
export type Executor = Database | Transaction;

/** The rows of a raw `execute` (node-postgres and PGlite both answer `{ rows }`). */
export const rowsOf = <T = Record<string, unknown>>(result: unknown): T[] => (result as { rows: T[] }).rows;

/** How long a query waits for a PostgreSQL connection (a new one, or a free one of a full pool) before it fails. */
export const DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;

/** How to reach the same database outside Drizzle (the job queue, LISTEN/NOTIFY). */
export type DatabaseConnection =
  | { kind: 'pglite'; client: PGlite }
  | { kind: 'postgres'; url: string; poolMax: number; connectTimeoutMs: number };

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  connection: DatabaseConnection;
  /** A trivial round trip, for readiness checks. */
  ping(): Promise<void>;
  /** The PostgreSQL pool's occupancy (metrics); absent for PGlite, a single in-process connection. */
  poolStats?(): { max: number; total: number; idle: number; waiting: number };
  close(): Promise<void>;
}
