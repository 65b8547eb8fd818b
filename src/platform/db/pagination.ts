import { count, type InferModelFromColumns, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './database.ts';

/** A page of a list: `limit` rows after skipping `offset`. */
export interface Page {
  limit: number;
  offset: number;
}

/** The row a selection of columns and computed values reads. */
export type SelectedRow<TColumns extends Record<string, PgColumn | SQL.Aliased>> = {
  [K in keyof TColumns]: TColumns[K] extends PgColumn
    ? InferModelFromColumns<{ value: TColumns[K] }>['value']
    : TColumns[K] extends SQL.Aliased<infer T>
      ? T
      : never;
};

/** One page of rows and the total the whole list holds (sent as X-Total-Count). */
export interface PageOf<T> {
  rows: T[];
  total: number;
}

/**
 * One page of `table`'s rows matching `where`, in `orderBy` order, with the total: two queries
 * that run side by side (on PostgreSQL, on two pooled connections). `columns`: only these are
 * read (e.g. to leave a search vector in the database). A page of no rows reads only the total.
 */
export async function listPage<TTable extends PgTable>(
  db: Executor,
  table: TTable,
  where: SQL | undefined,
  orderBy: (SQL | PgColumn)[],
  page: Page,
): Promise<PageOf<TTable['$inferSelect']>>;
export async function listPage<TColumns extends Record<string, PgColumn | SQL.Aliased>>(
  db: Executor,
  table: PgTable,
  where: SQL | undefined,
  orderBy: (SQL | PgColumn)[],
  page: Page,
  columns: TColumns,
): Promise<PageOf<SelectedRow<TColumns>>>;
export async function listPage(
  db: Executor,
  table: PgTable,
  where: SQL | undefined,
  orderBy: (SQL | PgColumn)[],
  page: Page,
  columns?: Record<string, PgColumn | SQL.Aliased>,
): Promise<PageOf<unknown>> {
  const rows =
    page.limit > 0
      ? (columns ? db.select(columns) : db.select())
          .from(table)
          .where(where)
          .orderBy(...orderBy)
          .limit(page.limit)
          .offset(page.offset)
      : Promise.resolve([]);
  const [pageRows, [total]] = await Promise.all([
    rows,
    db.select({ value: count() }).from(table).where(where),
  ]);
  return { rows: pageRows, total: total?.value ?? 0 };
}
