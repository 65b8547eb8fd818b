import { type PGlite, types } from '@electric-sql/pglite';

/**
 * Hot statements on PGlite, planned once (docs/decisions/0005-pglite-prepared-statements.md).
 * PGlite runs a query with parameters through the extended protocol, which plans it at every
 * call and costs more than a small query itself; a statement PREPAREd once (SQL-level PREPARE
 * lives as long as the database, whatever the transaction) and run with EXECUTE through the
 * simple protocol skips both. Its values travel as quoted literals, which PostgreSQL turns into
 * the prepared parameters' types exactly as it would bound parameters.
 */

/** The transaction handles PGlite gives out, and the database each belongs to. */
const owners = new WeakMap<object, PGlite>();
/** The statements each database has prepared. */
const preparedIn = new WeakMap<PGlite, Set<string>>();

/** What drizzle reads results with (timestamps and intervals stay text): the same rows as its own queries. */
const parsers = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map(
    (type) => [type, (value: string) => value],
  ),
);

type Exec = (query: string, options?: { parsers?: typeof parsers }) => Promise<{ rows: unknown[] }[]>;

/** Records the transactions of `client` as its own, so that they run its prepared statements. */
export function trackTransactions(client: PGlite): void {
  const transaction = client.transaction.bind(client);
  client.transaction = (work) =>
    transaction((tx) => {
      owners.set(tx, client);
      return work(tx);
    });
}

/** The PGlite database a drizzle session runs on, or undefined for node-postgres (or an untracked handle). */
export function pgliteOf(sessionClient: unknown): { database: PGlite; exec: Exec } | undefined {
  const client = sessionClient as { exec?: Exec; transaction?: unknown } | undefined;
  if (typeof client?.exec !== 'function') return undefined;
  const database =
    owners.get(client) ?? (typeof client.transaction === 'function' ? (client as PGlite) : undefined);
  return database && { database, exec: client.exec.bind(client) };
}

/** A value as a literal of the simple protocol; the prepared statement gives it its type. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) throw new Error('Array values are not supported by PGlite prepared statements');
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return `'${text.replaceAll("'", "''")}'`;
}

/** Runs the statement `name` (preparing it on first use in this database) and returns its rows. */
export async function executePrepared(
  pglite: { database: PGlite; exec: Exec },
  name: string,
  text: string,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  let prepared = preparedIn.get(pglite.database);
  if (!prepared) {
    prepared = new Set();
    preparedIn.set(pglite.database, prepared);
  }
  if (!prepared.has(name)) {
    await pglite.exec(`prepare ${name} as ${text}`);
    prepared.add(name);
  }
  const values = params.length > 0 ? `(${params.map(literal).join(', ')})` : '';
  const [result] = await pglite.exec(`execute ${name}${values}`, { parsers });
  return (result?.rows ?? []) as Record<string, unknown>[];
}
