import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeContent, textChunks } from '../../../test/support/knowledge-documents.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { Principal } from '../tenancy/index.ts';
import { chunkCount, chunksInOrder, replaceChunks } from './chunk-repository.ts';

let database: TestDatabase;
let organization: Principal;

beforeAll(async () => {
  database = await createTestDatabase();
  organization = await newOrganization(database.db);
});
afterAll(() => database.dispose());

describe('chunk repository', () => {
  it('stores chunks in the order given and reads contents back whole, in the order asked', async () => {
    const first = await storeContent(database.db, organization, textChunks(['Alpha ', 'beta ', 'gamma.']));
    const second = await storeContent(database.db, organization, [
      { text: 'Sheet row one', position: { sheet: 'Prices', rows: [1, 1], charStart: 0 } },
      { text: 'Page two', position: { page: 2, headingPath: ['Intro', 'Scope'], charStart: 13 } },
    ]);

    const chunks = await chunksInOrder(database.db, organization, [second, first]);

    expect(chunks.map((chunk) => [chunk.contentId, chunk.ordinal, chunk.text])).toEqual([
      [second, 0, 'Sheet row one'],
      [second, 1, 'Page two'],
      [first, 0, 'Alpha '],
      [first, 1, 'beta '],
      [first, 2, 'gamma.'],
    ]);
    expect(chunks[1]?.position).toEqual({ page: 2, headingPath: ['Intro', 'Scope'], charStart: 13 });
    expect(await chunkCount(database.db, organization, first)).toBe(3);
    expect(await chunksInOrder(database.db, organization, [])).toEqual([]);
  });

  it('replaces a content’s chunks, and touches nothing outside the scope', async () => {
    const contentId = await storeContent(
      database.db,
      organization,
      textChunks(['old one', 'old two', 'old three']),
    );
    const stranger = await newOrganization(database.db);

    await database.db.transaction((tx) => replaceChunks(tx, stranger, contentId, []));
    expect(await chunkCount(database.db, organization, contentId)).toBe(3);
    expect(await chunksInOrder(database.db, stranger, [contentId])).toEqual([]);

    await database.db.transaction((tx) => replaceChunks(tx, organization, contentId, textChunks(['new'])));
    const chunks = await chunksInOrder(database.db, organization, [contentId]);
    expect(chunks.map((chunk) => [chunk.ordinal, chunk.text])).toEqual([[0, 'new']]);
  });

  it('stores 10,000 chunks in a few batched statements', async () => {
    const texts = Array.from(
      { length: 10_000 },
      (_, index) => `Passage ${index} about invoices and refunds. `,
    );
    const started = performance.now();

    const contentId = await storeContent(database.db, organization, textChunks(texts));

    const elapsedMs = performance.now() - started;
    const chunks = await chunksInOrder(database.db, organization, [contentId]);
    expect(chunks).toHaveLength(10_000);
    expect(chunks.every((chunk, index) => chunk.ordinal === index && chunk.text === texts[index])).toBe(true);
    expect(chunks[9_999]?.position.charStart).toBe(texts.slice(0, 9_999).join('').length);
    // About 2 s on PGlite and 1 s on PostgreSQL on a two-core machine; row-by-row inserts take minutes.
    expect(elapsedMs).toBeLessThan(15_000);
  });
});
