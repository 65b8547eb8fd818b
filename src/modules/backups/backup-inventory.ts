import type { SnapshotQuery } from '../../platform/db/pglite-dump.ts';

/** The tables whose rows a backup counts, and a restore finds again (seed 000: every agent, version, session, file). */
export const countedTables = [
  'organizations',
  'agents',
  'agent_versions',
  'sessions',
  'messages',
  'files',
] as const;
export type CountedTable = (typeof countedTables)[number];
export type TableCounts = Record<CountedTable, number>;

/** A blob the database names: the key of its content, its size and media type. */
export interface BlobEntry {
  key: string;
  size: number;
  content_type: string;
}

/** How far the database's schema is migrated: drizzle's record of the migrations it applied. */
export interface MigrationLevel {
  applied: number;
  /** The `when` of the latest applied migration in drizzle/meta/_journal.json; 0 when none. */
  latest_created_at: number;
}

/** What a database holds, as a backup records it and a restore checks it. */
export interface DatabaseInventory {
  counts: TableCounts;
  blobs: BlobEntry[];
  migrations: MigrationLevel;
}

/**
 * Reads the inventory in one snapshot (the one a dump is taken in). It reads tables of several
 * modules as the operator, across organizations: a backup is of the whole database.
 */
export async function readInventory(query: SnapshotQuery): Promise<DatabaseInventory> {
  const counts = await readCounts(query);
  const blobs = await query(
    'select storage_key as key, size_bytes::bigint as size, mime_type as content_type from file_contents order by storage_key',
  );
  return {
    counts,
    blobs: blobs.map((row) => ({
      key: String(row.key),
      size: Number(row.size),
      content_type: String(row.content_type),
    })),
    migrations: await readMigrationLevel(query),
  };
}

export async function readMigrationLevel(query: SnapshotQuery): Promise<MigrationLevel> {
  const [level] = await query(
    `select count(*)::int as applied, coalesce(max(created_at), 0)::bigint as latest
       from drizzle.__drizzle_migrations`,
  );
  return { applied: Number(level?.applied ?? 0), latest_created_at: Number(level?.latest ?? 0) };
}

/** Counts only, as a restore checks them against the manifest (before migrating). */
export async function readCounts(query: SnapshotQuery): Promise<TableCounts> {
  const countColumns = countedTables.map((table) => `(select count(*) from ${table})::int as ${table}`);
  const [counts] = await query(`select ${countColumns.join(', ')}`);
  return counts as TableCounts;
}
