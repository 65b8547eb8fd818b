import { type Column, is, Param, Placeholder, type Query, type SQL } from 'drizzle-orm';
import { type Executor, rowsOf } from './database.ts';
import { executePrepared, pgliteOf } from './pglite-statements.ts';

/** A Drizzle query that can render itself (a query builder, or `renderable(executor, sql)`). */
export interface Renderable {
  toSQL(): Query;
}

/** A raw `sql` query as a `Renderable` (executing it is lazy: nothing runs). */
export const renderable = (executor: Executor, query: SQL): Renderable => ({
  toSQL: () => executor.execute(query).getQuery(),
});

/**
 * A statement of the hot path, rendered once per process: `build` returns a Drizzle query whose
 * values are `sql.placeholder(name)`, and each run fills them in (through the columns' encoders,
 * as Drizzle does; null and undefined are NULL). Unlike Drizzle's own `prepare()`, which is bound
 * to the executor it was built on, it runs on any executor: the database or a transaction. On
 * PostgreSQL it is a named statement, parsed and planned once per connection; on PGlite, a
 * statement PREPAREd once per database (`pglite-statements.ts`). Building a query
 * costs tens of microseconds per statement, more than PostgreSQL takes to run most of them.
 *
 * `name` must be unique per rendered text (undefined: an unnamed statement). Returns the raw rows
 * (database column names, values as the driver reads them): see `mapColumns`.
 */
export function preparedStatement<TValues extends Record<string, unknown>>(
  name: string | undefined,
  build: (executor: Executor) => Renderable,
) {
  let query: Query | undefined;
  return async (executor: Executor, values: TValues): Promise<Record<string, unknown>[]> => {
    query ??= build(executor).toSQL();
    const params = query.params.map((param) => fill(param, values));
    const pglite = name ? pgliteOf((executor._.session as unknown as { client: unknown }).client) : undefined;
    if (pglite && name) return executePrepared(pglite, name, query.sql, params);
    const statement = executor._.session.prepareQuery({ sql: query.sql, params }, undefined, name, false);
    return rowsOf(await statement.execute());
  };
}

/** A rendered parameter with its value: encoded by its column, as Drizzle does, and null as NULL. */
function fill(param: unknown, values: Record<string, unknown>): unknown {
  const placeholder = is(param, Param) ? param.value : param;
  if (!is(placeholder, Placeholder)) return param;
  if (!(placeholder.name in values)) throw new Error(`No value for placeholder "${placeholder.name}"`);
  const value = values[placeholder.name];
  if (value === null || value === undefined) return null;
  return is(param, Param) ? param.encoder.mapToDriverValue(value) : value;
}

/** How many shapes of one statement are kept; rarer shapes are rendered at each use. */
const MAX_SHAPES = 32;

/**
 * Prepared statements of one shape per key (e.g. the number of rows an INSERT writes), each
 * rendered at its first use. Past `MAX_SHAPES` shapes, a new shape is rendered for each use.
 */
export function preparedStatements<TKey extends string | number, TValues extends Record<string, unknown>>(
  name: (key: TKey) => string,
  build: (executor: Executor, key: TKey) => Renderable,
) {
  const statements = new Map<TKey, ReturnType<typeof preparedStatement<TValues>>>();
  return (key: TKey) => {
    let statement = statements.get(key);
    if (!statement) {
      const render = (executor: Executor) => build(executor, key);
      if (statements.size >= MAX_SHAPES) return preparedStatement<TValues>(undefined, render);
      statement = preparedStatement<TValues>(name(key), render);
      statements.set(key, statement);
    }
    return statement;
  };
}

/** A raw row (see `preparedStatement`) read through the given columns, as Drizzle maps its results. */
export function mapColumns<TColumns extends Record<string, Column>>(
  columns: TColumns,
  raw: Record<string, unknown>,
): {
  [K in keyof TColumns]: TColumns[K]['_']['data'] | (TColumns[K]['_']['notNull'] extends true ? never : null);
} {
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(columns)) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as ReturnType<typeof mapColumns<TColumns>>;
}
