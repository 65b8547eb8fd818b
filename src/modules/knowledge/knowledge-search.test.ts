import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import {
  attachContent,
  attachDocument,
  storeContent,
  textChunks,
} from '../../../test/support/knowledge-documents.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { Principal } from '../tenancy/index.ts';
import { fullTextRankingStatement, planQuestion, searchKnowledge } from './knowledge-search.ts';
import { analyzeChunksIfGrown } from './lexeme-statistics.ts';
import { RRF_K } from './rank-fusion.ts';

let database: TestDatabase;
let organization: Principal;
let agentId: string;
let otherAgentId: string;

const refundPolicy = [
  'Our offices are closed on public holidays; support answers email within one business day.',
  'Invoices are sent on the first day of each month and are payable within thirty days.',
  'A refund is issued to the original card within five business days of approval.',
];

beforeAll(async () => {
  database = await createTestDatabase();
  organization = await newOrganization(database.db);
  const agents = createTestAgentService(database.db);
  const context = { principal: organization, ipAddress: null };
  agentId = (await agents.create({ name: 'Support' }, context)).id;
  otherAgentId = (await agents.create({ name: 'Sales' }, context)).id;
  await attachDocument(database.db, organization, agentId, 'refund-policy.md', refundPolicy);
});
afterAll(() => database.dispose());

describe('full-text knowledge search', () => {
  it('finds a chunk by a stemmed word, best first, with its file and ranks', async () => {
    const hits = await searchKnowledge(database.db, organization, {
      agentId,
      query: 'When do I get my money back? Is there an invoice?',
      k: 5,
    });

    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      filename: 'refund-policy.md',
      text: refundPolicy[1],
      position: { charStart: (refundPolicy[0] as string).length },
      ranks: { fullText: 1, vector: null },
      score: 1 / (RRF_K + 1),
    });
  });

  it('ORs the question’s words: a chunk missing some of them still ranks, those with more first', async () => {
    const hits = await searchKnowledge(database.db, organization, {
      agentId,
      query: 'refunds to my card, and business hours on holidays',
      k: 5,
    });

    expect(hits.map((hit) => hit.text)).toEqual([refundPolicy[2], refundPolicy[0]]);
    expect(hits.map((hit) => hit.ranks.fullText)).toEqual([1, 2]);
  });

  it('returns nothing for a question of stop words or punctuation, or for k = 0', async () => {
    for (const query of ['is it the?', '?!', '']) {
      expect(await searchKnowledge(database.db, organization, { agentId, query, k: 5 })).toEqual([]);
    }
    expect(await searchKnowledge(database.db, organization, { agentId, query: 'refund', k: 0 })).toEqual([]);
  });

  it('reads operator characters in a question as plain words', async () => {
    const hits = await searchKnowledge(database.db, organization, {
      agentId,
      query: "refund & | ! <-> ( ' \\ :* invoices'",
      k: 5,
    });

    expect(hits.map((hit) => hit.text).sort()).toEqual([refundPolicy[1], refundPolicy[2]].sort());
  });

  it('searches only the chunks of the agent’s files, in the agent’s organization', async () => {
    const stranger = await newOrganization(database.db);
    const strangerAgent = await createTestAgentService(database.db).create(
      { name: 'Elsewhere' },
      { principal: stranger, ipAddress: null },
    );
    await attachDocument(database.db, organization, otherAgentId, 'sales.md', [
      'The refund of a deposit is quick.',
    ]);
    await attachDocument(database.db, stranger, strangerAgent.id, 'theirs.md', ['Every refund is final.']);

    const mine = await searchKnowledge(database.db, organization, { agentId, query: 'refund', k: 10 });
    const others = await searchKnowledge(database.db, organization, {
      agentId: otherAgentId,
      query: 'refund',
      k: 10,
    });
    // The right agent id, but the wrong organization's scope: nothing.
    const crossed = await searchKnowledge(database.db, stranger, { agentId, query: 'refund', k: 10 });

    expect(mine.map((hit) => hit.filename)).toEqual(['refund-policy.md']);
    expect(others.map((hit) => hit.filename)).toEqual(['sales.md']);
    expect(crossed).toEqual([]);
  });

  it('labels a content attached under two names with the file that comes first in the agent’s order', async () => {
    const agent = await createTestAgentService(database.db).create(
      { name: 'Twice' },
      { principal: organization, ipAddress: null },
    );
    const contentId = await storeContent(database.db, organization, textChunks(['Parcels ship from Lyon.']));
    await attachContent(database.db, organization, agent.id, contentId, 'later.md', 2);
    const first = await attachContent(database.db, organization, agent.id, contentId, 'first.md', 1);

    const hits = await searchKnowledge(database.db, organization, {
      agentId: agent.id,
      query: 'shipping',
      k: 5,
    });

    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ fileId: first, filename: 'first.md', contentId });
  });

  it('matches the rare words of a question through the GIN index once the table is analyzed', async () => {
    const agent = await createTestAgentService(database.db).create(
      { name: 'Large' },
      { principal: organization, ipAddress: null },
    );
    const texts = Array.from(
      { length: 2_000 },
      (_, index) =>
        `Account note ${index}: the account balance is reviewed${index === 1_234 ? ' by the zorbex team' : ''}.`,
    );
    await attachDocument(database.db, organization, agent.id, 'accounts.md', texts);
    await analyzeChunksIfGrown(database.db); // unless autovacuum (PostgreSQL) was first
    expect(await analyzeChunksIfGrown(database.db)).toBe(false);

    const plan = await planQuestion(database.db, 'Which account did the zorbex team review?');
    const hits = await searchKnowledge(database.db, organization, {
      agentId: agent.id,
      query: 'Which account did the zorbex team review?',
      k: 3,
    });
    const explained = await database.db.execute(
      sql`explain (format json) ${fullTextRankingStatement(organization, agent.id, plan ?? { tiers: [], ranking: '' }, 50)}`,
    );

    // "account" and "review" are in every chunk: only the rare words decide which chunks are ranked.
    expect(plan?.tiers[0]).toBe("'team' | 'zorbex'");
    expect(hits[0]?.text).toBe(texts[1_234]);
    expect(JSON.stringify(explained)).toContain('knowledge_chunks_search_idx');
  });
});
