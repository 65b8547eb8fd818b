import { sql } from 'drizzle-orm';
import type { Executor } from './database.ts';

/**
 * Takes the advisory lock named `key` until the transaction ends (PostgreSQL releases it at commit
 * or rollback): the serialization of one kind of change, across processes, without a row to lock.
 * Keys hash to 64 bits, so that distinct names practically never share a lock.
 */
export async function lockUntilCommit(tx: Executor, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}
