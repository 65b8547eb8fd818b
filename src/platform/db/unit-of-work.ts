import type { Database, Executor } from './database.ts';

/**
 * Runs `work` in one transaction: everything it writes commits together or not at all. Services
 * whose methods accept an optional `tx` take part in the caller's transaction; inside it only `tx`
 * may be used (PGlite serializes transactions: a query on the outer handle would wait forever),
 * and nothing slow (no network call) should happen while it holds its locks.
 */
export type UnitOfWork = <T>(work: (tx: Executor) => Promise<T>) => Promise<T>;

export const unitOfWork =
  (db: Database): UnitOfWork =>
  (work) =>
    db.transaction((tx) => work(tx));

/** A service method's own transaction, or the caller's when it passes one. */
export function within<T>(db: Database, tx: Executor | undefined, work: (tx: Executor) => Promise<T>) {
  return tx ? work(tx) : db.transaction((own) => work(own));
}
