import { type Column, getTableName, type SQL, sql, type Table } from 'drizzle-orm';

/**
 * `"table"."column"`, always qualified. Drizzle writes a column of a single-table query without
 * its table, which inside a correlated subquery names the subquery's own column instead.
 */
export const qualified = (table: Table, column: Column): SQL =>
  sql`${sql.identifier(getTableName(table))}.${sql.identifier(column.name)}`;
