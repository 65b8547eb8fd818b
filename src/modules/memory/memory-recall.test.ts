import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { Principal } from '../tenancy/index.ts';
import { createFrequentLexemes } from './frequent-lexemes.ts';
import { recallNamespaces } from './memory-namespaces.ts';
import { createMemoryRecall } from './memory-recall.ts';
import { storeMemories } from './memory-store.ts';

/**
 * Recall's candidates in a large namespace: the memories holding the message's words (except the
 * words too frequent to search by), the most recently used and the most reinforced; every memory
 * of a small namespace.
 */
let database: TestDatabase;
let principal: Principal;
let agentId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  principal = await newOrganization(database.db);
  agentId = (
    await createTestAgentService(database.db).create({ name: 'Big' }, { principal, ipAddress: null })
  ).id;
  const memory = (content: string, place: { scope: 'agent' } | { scope: 'user'; userId: string }) => ({
    organizationId: principal.organizationId,
    agentId,
    place,
    kind: 'fact',
    content,
  });
  // More memories holding "customer" and "delivery" than the frequent-word threshold.
  const common = Array.from({ length: 2_500 }, (_, index) =>
    memory(`Customers ask about delivery of parcel ${index}.`, { scope: 'agent' }),
  );
  await storeMemories(database.db, [
    memory('The Bergen warehouse stores the blue paint.', { scope: 'agent' }),
    memory('Customers value delivery on Saturdays.', { scope: 'user', userId: 'nora' }),
  ]);
  await database.db.execute(sql`update memories set created_at = now() - interval '30 days',
    updated_at = now() - interval '30 days' where agent_id = ${agentId}`);
  for (let start = 0; start < common.length; start += 500) {
    await storeMemories(database.db, common.slice(start, start + 500));
  }
  await database.db.execute(sql`analyze memories`);
});
afterAll(() => database.dispose());

/** Relevance alone decides: what is found is what the candidates held. */
const byRelevance = { alpha_recency: 0, alpha_semantic: 1, alpha_reinforcement: 0 };

const recallFor = async (query: string, namespaces: string[]) =>
  (
    await createMemoryRecall(database.db)(principal, {
      agentId,
      namespaces,
      query,
      k: 3,
      weights: byRelevance,
    })
  ).memories;

describe('recall candidates', () => {
  it('finds an old memory of a large namespace by a rare word of the message', async () => {
    const [best] = await recallFor(
      'Where is the blue paint kept?',
      recallNamespaces(principal.organizationId, agentId, {}),
    );
    expect(best?.memory.content).toBe('The Bergen warehouse stores the blue paint.');
    expect(best?.components.relevance).toBeGreaterThan(0.5);
  });

  it('searches by no word the statistics call frequent, yet recalls recent memories and reads small namespaces whole', async () => {
    const frequent = await createFrequentLexemes(database.db)();
    expect(frequent).toEqual(expect.arrayContaining(['custom', 'deliveri']));
    expect(frequent).not.toContain('paint');
    const [agentNamespace, userNamespace] = recallNamespaces(principal.organizationId, agentId, {
      userId: 'nora',
    }) as [string, string];
    // Its words are all frequent: the agent's namespace is searched by none, its recent memories remain.
    const byRecency = await recallFor('Do customers ask about delivery?', [agentNamespace]);
    expect(byRecency).toHaveLength(3);
    expect(byRecency.every((recalled) => recalled.components.relevance === 1)).toBe(true);
    // The end user's memory holds only frequent words and is old: a small namespace is read whole.
    const [nora] = await recallFor('Do customers ask about delivery?', [userNamespace]);
    expect(nora?.memory.content).toBe('Customers value delivery on Saturdays.');
  });

  it('recalls a statement held by the user’s and the thread’s namespaces once', async () => {
    const sessionId = crypto.randomUUID();
    const place = { scope: 'thread' as const, sessionId, userId: 'nora' };
    await storeMemories(database.db, [
      {
        organizationId: principal.organizationId,
        agentId,
        place,
        kind: 'fact',
        content: 'Customers value delivery on Saturdays.',
      },
    ]);
    const namespaces = recallNamespaces(principal.organizationId, agentId, {
      userId: 'nora',
      sessionId,
    }).slice(1);
    const found = await recallFor('Saturday delivery?', namespaces);
    expect(found.map((recalled) => recalled.memory.content)).toEqual([
      'Customers value delivery on Saturdays.',
    ]);
  });
});
