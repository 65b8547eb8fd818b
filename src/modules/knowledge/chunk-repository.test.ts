import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeContent, textChunks } from '../../../test/support/knowledge-documents.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { Principal } from '../tenancy/index.ts';
import { chunkCount, chunksInOrder, replaceChunks, wholeTexts } from './chunk-repository.ts';

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

  it('rebuilds each content’s text, with the section separators between sections', async () => {
    const sections = await storeContent(database.db, organization, [
      { text: 'Page one ends here.', position: { page: 1, charStart: 0 } },
      { text: 'Page two ', position: { page: 2, charStart: 21 } },
      { text: 'goes on.', position: { page: 2, charStart: 30 } },
    ]);
    const texts = await wholeTexts(database.db, organization, [sections]);
    expect(texts.get(sections)).toBe('Page one ends here.\n\nPage two goes on.');
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

  it('stores thousands of chunks, in batches, in document order', async () => {
    const texts = Array.from(
      { length: 2_500 },
      (_, index) => `Passage ${index} about invoices and refunds. `,
    );
    const contentId = await storeContent(database.db, organization, textChunks(texts));
    const chunks = await chunksInOrder(database.db, organization, [contentId]);
    expect(chunks).toHaveLength(2_500);
    expect(chunks.every((chunk, index) => chunk.ordinal === index && chunk.text === texts[index])).toBe(true);
    expect(chunks[2_499]?.position.charStart).toBe(texts.slice(0, 2_499).join('').length);
  });
});
