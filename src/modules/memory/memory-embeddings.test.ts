import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bagOfWordsEmbedding, type OpenAiStub, startOpenAiStub } from '../../../test/stubs/openai-stub.ts';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { assembleProviders } from '../../../test/support/provider-connections.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { createOutboundGuard } from '../../platform/http/outbound-guard.ts';
import { createChunkEmbeddings } from '../knowledge/chunk-embeddings.ts';
import type { OrganizationEmbeddings } from '../knowledge/index.ts';
import { createKnowledgeSettingsService } from '../knowledge/knowledge-settings.ts';
import { prepareVectorSupport, type VectorSupport } from '../knowledge/vector-support.ts';
import type { Principal } from '../tenancy/index.ts';
import { createMemoryEmbeddings, type MemoryEmbeddings } from './memory-embeddings.ts';
import { prepareMemoryEmbeddings } from './memory-embeddings-table.ts';
import { recallNamespaces } from './memory-namespaces.ts';
import { createMemoryRecall, recallStatement, sizedNamespaces } from './memory-recall.ts';
import { updateMemory } from './memory-repository.ts';
import { storeMemories } from './memory-store.ts';

/**
 * Memories' embeddings on a database, with the organization's model of its knowledge settings
 * (an OpenAI-compatible stub on loopback): what is embedded when, and how recall reads them.
 */
const API_KEY = 'sk-memory-embeddings';
const MODEL = 'text-embedding-stub';

let database: TestDatabase;
let stub: OpenAiStub;
let support: VectorSupport;
let organization: Principal;
let providerId: string;
let agentId: string;
let models: OrganizationEmbeddings;
let settings: ReturnType<typeof createKnowledgeSettingsService>;
let embeddings: MemoryEmbeddings;
const sent: { queue: string; data: unknown }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  stub = await startOpenAiStub({ apiKey: API_KEY, embeddingDimensions: 16 });
  support = await prepareMemoryEmbeddings(database.db, await prepareVectorSupport(database.db));
  const providers = assembleProviders(database.db);
  organization = await newOrganization(database.db);
  providerId = (
    await providers.service.create(organization, {
      name: 'Embedding stub',
      type: 'openai_compatible',
      base_url: stub.url,
      api_key: API_KEY,
    })
  ).id;
  const chunks = createChunkEmbeddings({
    db: database.db,
    resolveConnection: providers.resolveConnection,
    vectorSupport: support,
    fetch: createOutboundGuard({ allowlist: [new URL(stub.url).host] }).fetch,
    timeoutMs: 5_000,
  });
  models = {
    vectorSupport: support,
    activeModel: chunks.activeModel,
    embed: chunks.embedWith,
    onModelChanged: () => {},
  };
  settings = createKnowledgeSettingsService({
    db: database.db,
    resolveConnection: providers.resolveConnection,
    vectorSupport: support,
    // As the knowledge module calls its listeners: the memories are embedded with the new model.
    onEmbeddingModelChanged: (tx, scope) => embeddings.modelChanged(tx, scope),
  });
  embeddings = createMemoryEmbeddings({
    db: database.db,
    queue: {
      send: async (queue, data) => {
        sent.push({ queue, data });
        return 'job';
      },
    },
    models,
    vectorSupport: support,
    log: { warn: () => {} },
  });
  agentId = (
    await createTestAgentService(database.db).create(
      { name: 'Vectors' },
      { principal: organization, ipAddress: null },
    )
  ).id;
});
afterAll(async () => {
  await stub?.close();
  await database?.dispose();
});

const chooseModel = (model: string | null) =>
  settings.update(organization, {
    embedding_provider_id: model === null ? null : providerId,
    embedding_model: model,
  });

const remember = async (content: string, place: { scope: 'agent' } | { scope: 'user'; userId: string }) => {
  const [stored] = await storeMemories(database.db, [
    { organizationId: organization.organizationId, agentId, place, kind: 'fact', content },
  ]);
  return stored?.row.id as string;
};

const storedEmbeddings = async () =>
  rowsOf<{ memory_id: string; model: string; current: boolean; dimensions: number }>(
    await database.db.execute(sql`select memory_id, model, dimensions,
        memory_embeddings.content_hash = md5(memories.content) as current
      from memory_embeddings join memories on memories.id = memory_embeddings.memory_id
      where memories.agent_id = ${agentId} order by memory_id`),
  );

const byRelevance = { alpha_recency: 0, alpha_semantic: 1, alpha_reinforcement: 0 };

describe('memory embeddings', () => {
  it('embeds nothing and recalls by full text without vector support or without a model', async () => {
    const unsupported = createMemoryEmbeddings({
      db: database.db,
      queue: { send: async () => 'job' },
      models,
      vectorSupport: { mode: 'full-text', reason: 'no pgvector' },
      log: { warn: () => {} },
    });
    await chooseModel(null);
    for (const each of [unsupported, embeddings]) {
      expect(await each.requester(organization)).toBeNull();
      expect(await each.currentModel(organization)).toBeNull();
      expect(await each.embed(organization, null)).toBe(0);
    }
    const id = await remember('Returns are accepted within 30 days.', { scope: 'agent' });
    const recalled = await createMemoryRecall(database.db, unsupported)(organization, {
      agentId,
      namespaces: recallNamespaces(organization.organizationId, agentId, {}),
      query: 'Can I return it?',
      k: 3,
      weights: byRelevance,
    });
    expect(recalled.mode).toBe('full-text');
    expect(
      recalled.memories.map(({ memory, components }) => [memory.id, components.vectorSimilarity]),
    ).toEqual([[id, null]]);
  });

  it('embeds what has no embedding of the model for its content, idempotently, and all again after a model change', async ({
    skip,
  }) => {
    if (support.mode !== 'hybrid') skip('no pgvector on this database server');
    await chooseModel(MODEL);
    const ids = [
      await remember('Her favourite colour is teal.', { scope: 'user', userId: 'lena' }),
      await remember('She lives in Bergen.', { scope: 'user', userId: 'lena' }),
    ];
    const request = await embeddings.requester(organization);
    expect(request).not.toBeNull();
    await database.db.transaction((tx) => request?.(tx, ids) ?? Promise.resolve());
    expect(sent.at(-1)).toEqual({
      queue: 'memory-embedding',
      data: { organizationId: organization.organizationId, memoryIds: ids },
    });

    stub.reset();
    expect(await embeddings.embed(organization, ids)).toBe(2);
    expect(await embeddings.embed(organization, ids)).toBe(0);
    // One provider call for the batch.
    expect(stub.requests.filter((request) => request.path === '/v1/embeddings')).toHaveLength(1);
    const key = `${providerId}/${MODEL}`;
    expect((await storedEmbeddings()).filter((row) => ids.includes(row.memory_id))).toEqual(
      ids.map((memory_id) => ({ memory_id, model: key, current: true, dimensions: 16 })),
    );

    // An edit makes the embedding stale: it is made again, for the new content.
    await updateMemory(database.db, organization, ids[0] as string, {
      content: 'Her favourite colour is red.',
    });
    expect((await storedEmbeddings()).find((row) => row.memory_id === ids[0])?.current).toBe(false);
    expect(await embeddings.embed(organization, ids)).toBe(1);
    expect((await storedEmbeddings()).every((row) => !ids.includes(row.memory_id) || row.current)).toBe(true);

    // Another model: an organization-wide run is asked for; it drops the old vectors and embeds
    // every memory.
    await chooseModel('text-embedding-next');
    expect(sent.at(-1)).toEqual({
      queue: 'memory-embedding',
      data: { organizationId: organization.organizationId, memoryIds: null },
    });
    const all = (await storedEmbeddings()).length;
    expect(await embeddings.embed(organization, null)).toBeGreaterThanOrEqual(all);
    const models = new Set((await storedEmbeddings()).map((row) => row.model));
    expect(models).toEqual(new Set([`${providerId}/text-embedding-next`]));
    await chooseModel(MODEL);
    await embeddings.embed(organization, null);
  });

  it('finds an old memory of a large namespace by its vector alone, through the HNSW index', async ({
    skip,
  }) => {
    if (support.mode !== 'hybrid') skip('no pgvector on this database server');
    // The stub embeds a hashed bag of words: "phone" and "torch" land in the very buckets of
    // "delivery" and "ticket", so this memory's vector is the message's, without a shared word.
    const same = (first: string, second: string) =>
      expect(Array.from(bagOfWordsEmbedding(first, 16))).toEqual(Array.from(bagOfWordsEmbedding(second, 16)));
    same('Phone torch.', 'Delivery ticket?');
    const user = { scope: 'user' as const, userId: 'nils' };
    const semantic = await remember('Phone torch.', user);
    await database.db.execute(sql`update memories set created_at = now() - interval '30 days',
      updated_at = now() - interval '30 days' where id = ${semantic}`);
    // More than the 50 a namespace is read whole up to, newer and more reinforced than it.
    await storeMemories(
      database.db,
      Array.from({ length: 70 }, (_, index) => ({
        organizationId: organization.organizationId,
        agentId,
        place: user,
        kind: 'fact',
        content: `Customers ask about parcel ${index}.`,
      })),
    );
    await database.db.execute(sql`update memories set reinforcement = 3
      where agent_id = ${agentId} and user_id = 'nils' and id <> ${semantic}`);
    await embeddings.embed(organization, null);

    const request = {
      agentId,
      namespaces: recallNamespaces(organization.organizationId, agentId, { userId: 'nils' }),
      query: 'Delivery ticket?',
      k: 3,
      weights: byRelevance,
    };
    const recalled = await createMemoryRecall(database.db, embeddings)(organization, request);
    expect(recalled.mode).toBe('hybrid');
    expect(recalled.memories[0]?.memory.id).toBe(semantic);
    expect(recalled.memories[0]?.components).toMatchObject({ textRelevance: 0 });
    expect(recalled.memories[0]?.components.vectorSimilarity).toBeCloseTo(1, 5);
    expect(recalled.memories[0]?.components.relevance).toBeCloseTo(1, 5);

    // Its candidates come from the HNSW index of the vectors' length.
    const model = await embeddings.currentModel(organization);
    const query = Array.from(bagOfWordsEmbedding(request.query, 16));
    const namespaces = await sizedNamespaces(database.db, organization, request, model?.key ?? null);
    expect(namespaces.find((place) => place.namespace.endsWith(':user:nils'))).toMatchObject({
      large: true,
      embedded: true,
    });
    const explained = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_sort = off`);
      const statement = recallStatement(tx, organization, request, {
        namespaces,
        frequentLexemes: [],
        vector: { model: model?.key ?? '', query },
      });
      return tx.execute(sql`explain (format json) ${statement.getSQL()}`);
    });
    expect(JSON.stringify(explained)).toContain('memory_embeddings_hnsw_16');
  });
});
