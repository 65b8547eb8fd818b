import { mkdirSync, openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pgliteExtensions } from './open-database.ts';

/** A read-only query of the snapshot a dump is taken in: its rows. */
export type SnapshotQuery = (text: string) => Promise<Record<string, unknown>[]>;

/**
 * Writes a tarball (gzip) of an open PGlite's data directory to `target`, taken while no other
 * transaction runs: `read` sees exactly the data the tarball holds (a backup's counts and the blobs
 * its rows name). A checkpoint first writes the changed pages out, so the copy needs little WAL to
 * recover from when it is loaded. Only the process that holds the database can do this.
 */
export async function dumpPglite<T>(
  client: PGlite,
  target: string,
  read: (query: SnapshotQuery) => Promise<T>,
): Promise<T> {
  await client.exec('checkpoint');
  // PGlite runs one transaction at a time: inside this one, no other can write until the copy is
  // taken (in memory); it is written out once the others may go on.
  const { seen, tarball } = await client.transaction(async (transaction) => {
    const seen = await read(async (text) => (await transaction.query<Record<string, unknown>>(text)).rows);
    return { seen, tarball: await client.dumpDataDir('gzip') };
  });
  await writeFile(target, Buffer.from(await tarball.arrayBuffer()), { mode: 0o600 });
  return seen;
}

/**
 * Creates the embedded database in `directory` (which must hold none) from a tarball written by
 * `dumpPglite`, then closes it: the next open recovers it as after a crash, to the moment of the dump.
 */
export async function loadPgliteDump(directory: string, tarballPath: string): Promise<void> {
  mkdirSync(directory, { recursive: true });
  const client = await PGlite.create(directory, {
    extensions: pgliteExtensions,
    loadDataDir: await openAsBlob(tarballPath),
  });
  await client.close();
}
