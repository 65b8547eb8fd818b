import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../../../test/stubs/openai-stub.ts';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { attachDocument } from '../../../test/support/knowledge-documents.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { assembleProviders } from '../../../test/support/provider-connections.ts';
import type { TestDatabase } from '../../../test/support/test-database.ts';
import { createTestDatabase } from '../../../test/support/test-database.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { createOutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { ProviderConnection } from '../../platform/llm/provider-connection.ts';
import type { Principal } from '../tenancy/index.ts';
import { createChunkEmbeddings } from './chunk-embeddings.ts';
import { storeEmbeddings } from './embedding-repository.ts';
import { EMBEDDING_BATCH_SIZE, embedTexts } from './embeddings.ts';
import { searchKnowledge, vectorRankingStatement } from './knowledge-search.ts';
import { createKnowledgeSettingsService } from './knowledge-settings.ts';
import { createVectorIndexes, prepareVectorSupport, type VectorSupport } from './vector-support.ts';

const API_KEY = 'sk-embeddings-stub';

let database: TestDatabase;
let stub: OpenAiStub;
let support: VectorSupport;
let organization: Principal;
let providerId: string;
let connection: ProviderConnection;
let fetch: ReturnType<typeof createOutboundGuard>['fetch'];
let providers: ReturnType<typeof assembleProviders>;

beforeAll(async () => {
  database = await createTestDatabase();
  stub = await startOpenAiStub({ apiKey: API_KEY, embeddingDimensions: 16 });
  support = await prepareVectorSupport(database.db);
  fetch = createOutboundGuard({ allowlist: [new URL(stub.url).host] }).fetch;
  providers = assembleProviders(database.db);
  organization = await newOrganization(database.db);
  const provider = await providers.service.create(organization, {
    name: 'Embedding stub',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: API_KEY,
  });
  providerId = provider.id;
  connection = await providers.resolveConnection(organization, providerId);
});
afterAll(async () => {
  await stub?.close();
  await database?.dispose();
});

const cosine = (first: number[], second: number[]) =>
  first.reduce((total, value, index) => total + value * (second[index] ?? 0), 0);

describe('embedding texts through a provider', () => {
  it('calls the provider in batches, through the guarded fetch, and keeps the texts’ order', async () => {
    stub.reset();
    const texts = Array.from({ length: EMBEDDING_BATCH_SIZE + 6 }, (_, index) => `text number ${index}`);
    const batches: number[] = [];

    const vectors = await embedTexts(
      connection,
      'text-embedding-stub',
      texts,
      { fetch, timeoutMs: 5_000 },
      async (start) => void batches.push(start),
    );

    expect(vectors).toHaveLength(texts.length);
    expect(vectors.every((vector) => vector.length === 16)).toBe(true);
    expect(batches).toEqual([0, EMBEDDING_BATCH_SIZE]);
    expect(
      stub.requests.map((request) => [request.path, (request.body as { input: string[] }).input.length]),
    ).toEqual([
      ['/v1/embeddings', EMBEDDING_BATCH_SIZE],
      ['/v1/embeddings', 6],
    ]);
    const [again] = await embedTexts(connection, 'text-embedding-stub', ['text number 3'], {
      fetch,
      timeoutMs: 5_000,
    });
    expect(again).toEqual(vectors[3]);
  });

  it('gets vectors from the stub that are closer for texts sharing words', async () => {
    const [question, related, unrelated] = await embedTexts(
      connection,
      'text-embedding-stub',
      ['How long do refunds take?', 'Refunds take five days.', 'The office is in Lyon.'],
      { fetch, timeoutMs: 5_000 },
    );

    expect(cosine(question as number[], related as number[])).toBeGreaterThan(
      cosine(question as number[], unrelated as number[]),
    );
  });

  it('sends nothing to a provider outside the outbound guard’s allowlist', async () => {
    stub.reset();
    const guarded = createOutboundGuard({ allowlist: [] }).fetch;

    await expect(
      embedTexts(connection, 'text-embedding-stub', ['x'], { fetch: guarded, timeoutMs: 5_000 }),
    ).rejects.toThrow();
    expect(stub.requests).toHaveLength(0);
  });
});

describe('hybrid retrieval with embeddings of the organization’s model', () => {
  it('embeds a content’s chunks, fuses cosine and full-text ranks, and re-embeds after a model change', async ({
    skip,
  }) => {
    if (support.mode !== 'hybrid') skip('no pgvector on this database server');
    const embeddings = createChunkEmbeddings({
      db: database.db,
      resolveConnection: providers.resolveConnection,
      vectorSupport: support,
      fetch,
      timeoutMs: 5_000,
    });
    const settings = createKnowledgeSettingsService({
      db: database.db,
      resolveConnection: providers.resolveConnection,
      vectorSupport: support,
    });
    const agent = await createTestAgentService(database.db).create(
      { name: 'Hybrid' },
      { principal: organization, ipAddress: null },
    );
    const texts = [
      'Refunds reach the original card within five business days.',
      'Parcels ship from the Lyon warehouse every morning.',
      'Invoices are payable within a month of the invoice date.',
    ];
    const { contentId } = await attachDocument(database.db, organization, agent.id, 'policy.md', texts);

    // No model chosen yet: nothing to embed, and no query vector.
    expect(await embeddings.embedContent(organization, contentId)).toBe(0);
    expect(await embeddings.queryVector(organization, 'refund')).toBeNull();

    await settings.update(organization, {
      embedding_provider_id: providerId,
      embedding_model: 'text-embedding-stub',
    });
    expect(await embeddings.embedContent(organization, contentId)).toBe(3);
    expect(await embeddings.embedContent(organization, contentId)).toBe(0); // idempotent: all done
    const stored = rowsOf<{ model: string; dimensions: number }>(
      await database.db.execute(sql`select model, dimensions from knowledge_chunk_embeddings
        join knowledge_chunks on knowledge_chunks.id = knowledge_chunk_embeddings.chunk_id
        where knowledge_chunks.content_id = ${contentId}`),
    );
    expect(stored).toEqual(Array(3).fill({ model: `${providerId}/text-embedding-stub`, dimensions: 16 }));

    const question = 'How many business days until refunds reach my card?';
    const queryVector = await embeddings.queryVector(organization, question);
    const hits = await searchKnowledge(database.db, organization, {
      agentId: agent.id,
      query: question,
      k: 3,
      queryVector,
    });

    expect(queryVector?.model).toBe(`${providerId}/text-embedding-stub`);
    expect(hits).toHaveLength(3);
    expect(hits[0]).toMatchObject({ text: texts[0], ranks: { fullText: 1, vector: 1 } });
    // Chunks sharing no word with the question are still ranked by their vectors.
    expect(hits.slice(1).map((hit) => [hit.ranks.fullText, typeof hit.ranks.vector])).toEqual([
      [null, 'number'],
      [null, 'number'],
    ]);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? 1);

    // The vector ranking names the HNSW index of its length (same cast, same predicate).
    const explained = await database.db.transaction(async (tx) => {
      // A table this small is sorted whole more cheaply than read through an index.
      await tx.execute(sql`set local enable_sort = off`);
      return tx.execute(
        sql`explain (format json) ${vectorRankingStatement(organization, agent.id, queryVector ?? { model: '', vector: [] }, 50)}`,
      );
    });
    expect(JSON.stringify(explained)).toContain('knowledge_chunk_embeddings_hnsw_16');

    // Another model: its vectors replace the old ones; until then the search is full-text only.
    await settings.update(organization, {
      embedding_provider_id: providerId,
      embedding_model: 'text-embedding-next',
    });
    const nextVector = await embeddings.queryVector(organization, question);
    const meanwhile = await searchKnowledge(database.db, organization, {
      agentId: agent.id,
      query: question,
      k: 3,
      queryVector: nextVector,
    });
    expect(meanwhile.map((hit) => hit.ranks.vector)).toEqual([null]);

    const outcome = await embeddings.reembedOrganization(organization, new AbortController().signal);
    expect(outcome).toEqual({ embedded: 3, removed: 3 });
    const models = rowsOf<{ model: string }>(
      await database.db.execute(
        sql`select distinct model from knowledge_chunk_embeddings where organization_id = ${organization.organizationId}`,
      ),
    );
    expect(models).toEqual([{ model: `${providerId}/text-embedding-next` }]);

    // No model any more: the organization's vectors go.
    await settings.update(organization, { embedding_provider_id: null, embedding_model: null });
    expect(await embeddings.reembedOrganization(organization, new AbortController().signal)).toEqual({
      embedded: 0,
      removed: 3,
    });
  });

  it('finds an agent’s chunks by vector even when its organization has many more (iterative index scan)', async ({
    skip,
  }) => {
    if (support.mode !== 'hybrid') skip('no pgvector on this database server');
    const principal = await newOrganization(database.db);
    const agents = createTestAgentService(database.db);
    const small = await agents.create({ name: 'Small' }, { principal, ipAddress: null });
    const large = await agents.create({ name: 'Large' }, { principal, ipAddress: null });
    const model = 'bench/local';
    const { contentId: smallContent } = await attachDocument(database.db, principal, small.id, 'small.md', [
      'alpha beta',
      'gamma delta',
    ]);
    await attachDocument(
      database.db,
      principal,
      large.id,
      'large.md',
      Array.from({ length: 600 }, (_, index) => `filler ${index}`),
    );
    const chunkIds = rowsOf<{ id: string; content_id: string }>(
      await database.db.execute(
        sql`select id, content_id from knowledge_chunks where organization_id = ${principal.organizationId}`,
      ),
    );
    // The large agent's vectors all sit nearer the question than the small agent's.
    const vectorOf = (contentIdOf: string, index: number) =>
      contentIdOf === smallContent ? [0, 1, index] : [1, (index % 25) / 100, Math.floor(index / 25) / 100];
    await createVectorIndexes()(database.db, 3);
    await storeEmbeddings(
      database.db,
      principal,
      model,
      chunkIds.map((chunk, index) => ({ chunkId: chunk.id, vector: vectorOf(chunk.content_id, index) })),
    );

    // Read through the HNSW index, as a table of many chunks would be, not sorted whole.
    const hits = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_sort = off`);
      return searchKnowledge(tx, principal, {
        agentId: small.id,
        query: 'nothing in common',
        k: 5,
        queryVector: { model, vector: [1, 0, 0] },
      });
    });

    expect(hits.map((hit) => hit.filename)).toEqual(['small.md', 'small.md']);
  });
});
