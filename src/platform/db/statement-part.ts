import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from './database.ts';
import { preparedStatement, renderable } from './prepared-statement.ts';

/**
 * A module's share of a statement that several modules write together, in one round trip and one
 * commit (the end of a turn: messages, run, actions, counters). Each part is a list of CTEs over
 * rows it receives as JSON parameters, so that one prepared statement serves any number of rows;
 * a part may read the CTEs of the parts before it, by the names it is given.
 */
export interface StatementPart<TItem> {
  ctes: SQL[];
  /** The part's parameters for a batch of items. */
  values(items: readonly TItem[]): Record<string, unknown>;
}

/** Rows as the JSON parameter a part reads with `jsonb_to_recordset`. */
export const jsonRows = (rows: readonly unknown[]) => JSON.stringify(rows);

/** A CTE name given to a part by the statement that composes it. */
export const cteName = (name: string) => sql.identifier(name);

/**
 * The prepared statement `with <every part's CTEs> <select>`, and its values for a batch: each
 * part is handed the same items and encodes its own share of them.
 */
export function composeStatement<TItem>(name: string, parts: readonly StatementPart<TItem>[], select: SQL) {
  const statement = preparedStatement<Record<string, unknown>>(name, (db) =>
    renderable(
      db,
      sql`with ${sql.join(
        parts.flatMap((part) => part.ctes),
        sql`, `,
      )} ${select}`,
    ),
  );
  return (executor: Executor, items: readonly TItem[]) =>
    statement(executor, Object.assign({}, ...parts.map((part) => part.values(items))));
}
