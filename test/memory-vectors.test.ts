import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/platform/db/database.ts';
import { bagOfWordsEmbedding, type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Memories and vectors (docs/memory.md, "Vectors"): an organization whose knowledge settings name
 * an embedding model gets its memories embedded in the background, and recall blends vector
 * similarity into relevance. The embedding provider is an OpenAI-compatible stub on loopback that
 * embeds a hashed bag of words. Where the database has no pgvector (PostgreSQL here), recall
 * stays full-text and the vector cases are skipped.
 */
const KEY = 'sk-memory-vectors';
const MODEL = 'text-embedding-stub';
/**
 * The stub puts "phone" and "torch" in the very buckets of "delivery" and "ticket": this memory's
 * vector is the question's, although they share no word. The decoy shares one word of two.
 */
const QUESTION = 'Delivery ticket?';
const SEMANTIC = 'Phone torch.';
const DECOY = 'The ticket office opens early.';
const UNRELATED = 'Paint can be returned within 30 days.';
/** Relevance alone decides the order. */
const BY_RELEVANCE = { alpha_recency: 0, alpha_semantic: 1, alpha_reinforcement: 0 };

let stub: OpenAiStub;
let app: TestApp;
/** Whether this database stores vectors (the knowledge settings say). */
let vectors: boolean;

const as = (account: TestAccount) => ({ token: account.token });
const noVectors = 'no pgvector on this database server: memories are recalled by full text only';

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: [MODEL] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  const probe = await registerAccount(app.http, 'Probe');
  vectors = (await app.http.get('/api/v1/knowledge/settings', as(probe))).body.vector_support;
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

/** An organization whose knowledge settings choose the stub's model at `baseUrl`. */
async function embeddingOrganization(name: string, baseUrl = stub.url) {
  const account = await registerAccount(app.http, name);
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Embeddings', type: 'openai_compatible', base_url: baseUrl, api_key: KEY, is_default: false },
    as(account),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
  await chooseModel(account, provider.body.id, MODEL);
  return { account, providerId: provider.body.id as string };
}

async function chooseModel(account: TestAccount, providerId: string, model: string) {
  const saved = await app.http.put(
    '/api/v1/knowledge/settings',
    { embedding_provider_id: providerId, embedding_model: model },
    as(account),
  );
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
}

async function createAgent(account: TestAccount) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Rememberer', memory: BY_RELEVANCE, show_suggestions_after_each_message: false },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function remember(account: TestAccount, agentId: string, content: string) {
  const response = await app.http.post(
    `/api/v1/agents/${agentId}/memories`,
    { content, scope: 'agent' },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

interface SearchResult {
  retrieval_mode: 'hybrid' | 'full-text';
  memories: {
    id: string;
    content: string;
    score: number;
    components: {
      relevance: number;
      text_relevance: number;
      vector_similarity: number | null;
    };
  }[];
}

async function search(account: TestAccount, agentId: string, query = QUESTION): Promise<SearchResult> {
  const response = await app.http.post(`/api/v1/agents/${agentId}/memories/search`, { query }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

interface StoredEmbedding {
  memory_id: string;
  model: string;
  current: boolean;
}

/** The stored embeddings of the memories (only where vectors are). */
async function embeddingsOf(memoryIds: string[]): Promise<StoredEmbedding[]> {
  return rowsOf<StoredEmbedding>(
    await app.database.db.execute(sql`select memory_id, model,
        memory_embeddings.content_hash = md5(memories.content) as current
      from memory_embeddings join memories on memories.id = memory_embeddings.memory_id
      where memory_id = any(${sql.param(memoryIds)}::uuid[]) order by memory_id`),
  );
}

/** Waits until every memory has a current embedding of `model`. */
async function embedded(memoryIds: string[], model: string) {
  await expect
    .poll(
      async () => (await embeddingsOf(memoryIds)).filter((row) => row.current && row.model === model).length,
      { timeout: 15_000, interval: 100 },
    )
    .toBe(memoryIds.length);
}

/**
 * Waits until no embedding job of the organization is waiting or running: one still queued (the
 * model's change asks for all of its memories) would undo a test's removal of an embedding.
 */
async function embeddingJobsSettled(organizationId: string) {
  await expect
    .poll(
      async () =>
        rowsOf<{ count: number }>(
          await app.database.db.execute(sql`select count(*)::int as count from pgboss.job
            where name = 'memory-embedding' and data->>'organizationId' = ${organizationId}
              and state in ('created', 'retry', 'active')`),
        )[0]?.count,
      { timeout: 15_000, interval: 100 },
    )
    .toBe(0);
}

/** An agent remembering the semantic memory, the decoy and an unrelated one. */
async function rememberAll(account: TestAccount) {
  const agentId = await createAgent(account);
  return {
    agentId,
    semantic: await remember(account, agentId, SEMANTIC),
    decoy: await remember(account, agentId, DECOY),
    unrelated: await remember(account, agentId, UNRELATED),
  };
}

describe('memory vectors', () => {
  it('says at start how memories are recalled on this database', () => {
    const line = vectors
      ? 'memory recall: full-text blended with vector similarity for organizations with an embedding model'
      : 'memory recall: full-text only; the database server does not offer the pgvector extension';
    expect(app.logs.some((log) => log.includes(line))).toBe(true);
  });

  it('recalls by words alone without an embedding model, and shows no vector similarity', async () => {
    const account = await registerAccount(app.http, 'Words only');
    const { agentId, decoy } = await rememberAll(account);
    const found = await search(account, agentId);
    expect(found.retrieval_mode).toBe('full-text');
    expect(found.memories[0]).toMatchObject({
      id: decoy,
      components: { relevance: 0.5, text_relevance: 0.5, vector_similarity: null },
    });
    expect(found.memories.every((memory) => memory.components.vector_similarity === null)).toBe(true);
    expectError(
      await app.http.post(`/api/v1/agents/${agentId}/memories/search`, { query: '' }, as(account)),
      422,
      'validation_error',
    );
  });

  it('stays full-text on a database without pgvector, even with an embedding model chosen', async ({
    skip,
  }) => {
    if (vectors) skip('this database stores vectors (PGlite ships pgvector)');
    const { account } = await embeddingOrganization('No pgvector');
    const { agentId, decoy } = await rememberAll(account);
    const found = await search(account, agentId);
    expect(found.retrieval_mode).toBe('full-text');
    expect(found.memories[0]?.id).toBe(decoy);
    const table = await app.database.db.execute(sql`select to_regclass('memory_embeddings') as name`);
    expect(rowsOf<{ name: string | null }>(table)[0]?.name).toBeNull();
    expect(stub.requests.some((request) => request.path === '/v1/embeddings')).toBe(false);
  });

  it('embeds memories written through the API, again when their content changes, and removes them with them', async ({
    skip,
  }) => {
    if (!vectors) skip(noVectors);
    const { account, providerId } = await embeddingOrganization('Written');
    const model = `${providerId}/${MODEL}`;
    const agentId = await createAgent(account);
    const first = await remember(account, agentId, 'Prefers to be contacted by email.');
    const second = await remember(account, agentId, 'Lives in Bergen.');
    await embedded([first, second], model);

    const changed = await app.http.patch(
      `/api/v1/memories/${first}`,
      { content: 'Prefers to be called after 6 pm.' },
      as(account),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    await embedded([first], model);

    expect((await app.http.delete(`/api/v1/memories/${first}`, as(account))).status).toBe(204);
    expect(await embeddingsOf([first])).toEqual([]);
    expect(await embeddingsOf([second])).toHaveLength(1);
  });

  it('embeds the memories learnt from a turn', async ({ skip }) => {
    if (!vectors) skip(noVectors);
    const { account, providerId } = await embeddingOrganization('Learnt');
    const agentId = await createAgent(account);
    const turn = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Hi! My favourite colour is teal.', user_id: 'lena', stream: false },
      as(account),
    );
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    // The offline model learns it for the thread and for the user.
    const learnt = async () =>
      (await app.http.get(`/api/v1/agents/${agentId}/memories?user_id=lena`, as(account))).body as {
        id: string;
      }[];
    await expect.poll(async () => (await learnt()).length, { timeout: 15_000 }).toBe(2);
    const ids = (await learnt()).map((memory) => memory.id);
    await embedded(ids, `${providerId}/${MODEL}`);

    // Forgetting the user removes the memories and their embeddings.
    const forgotten = await app.http.delete(`/api/v1/agents/${agentId}/memories?user_id=lena`, as(account));
    expect(forgotten.body).toEqual({ user_id: 'lena', deleted: 2 });
    expect(await embeddingsOf(ids)).toEqual([]);
  });

  it('ranks first a memory sharing no word with the message but close by its vector, with alpha_semantic = 1', async ({
    skip,
  }) => {
    if (!vectors) skip(noVectors);
    expect(Array.from(bagOfWordsEmbedding(SEMANTIC, 16))).toEqual(
      Array.from(bagOfWordsEmbedding(QUESTION, 16)),
    );
    const { account, providerId } = await embeddingOrganization('Semantic');
    const { agentId, semantic, decoy, unrelated } = await rememberAll(account);
    await embedded([semantic, decoy, unrelated], `${providerId}/${MODEL}`);

    const found = await search(account, agentId);
    expect(found.retrieval_mode).toBe('hybrid');
    expect(found.memories.map((memory) => memory.id).slice(0, 2)).toEqual([semantic, decoy]);
    const [best, second] = found.memories;
    expect(best?.components.text_relevance).toBe(0);
    expect(best?.components.vector_similarity).toBeCloseTo(1, 3);
    expect(best?.components.relevance).toBe(best?.components.vector_similarity);
    expect(best?.score).toBe(best?.components.relevance);
    // The decoy's words count: relevance is the larger of the two.
    expect(second?.components.text_relevance).toBe(0.5);
    expect(second?.components.relevance).toBe(
      Math.max(0.5, second?.components.vector_similarity ?? Number.NaN),
    );

    // A turn is given it first too.
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: QUESTION },
      as(account),
    );
    const references = (preview.body.references as { source: string; memory_id?: string }[]).filter(
      (reference) => reference.source === 'memory',
    );
    expect(references[0]?.memory_id).toBe(semantic);
  });

  it('embeds every memory again after the organization changes its model', async ({ skip }) => {
    if (!vectors) skip(noVectors);
    const { account, providerId } = await embeddingOrganization('Model change');
    const { agentId, semantic, decoy, unrelated } = await rememberAll(account);
    const ids = [semantic, decoy, unrelated];
    await embedded(ids, `${providerId}/${MODEL}`);
    await chooseModel(account, providerId, 'text-embedding-next');
    await embedded(ids, `${providerId}/text-embedding-next`);
    expect(new Set((await embeddingsOf(ids)).map((row) => row.model))).toEqual(
      new Set([`${providerId}/text-embedding-next`]),
    );
    expect((await search(account, agentId)).memories[0]?.id).toBe(semantic);
  });

  it('recalls by full text when the embedding endpoint fails, logs it, and the turn succeeds', async ({
    skip,
  }) => {
    if (!vectors) skip(noVectors);
    const failing = await startOpenAiStub({ apiKey: KEY, models: [MODEL] });
    const { account } = await embeddingOrganization('Failing', failing.url);
    const { agentId, semantic, decoy, unrelated } = await rememberAll(account);
    await expect
      .poll(async () => (await embeddingsOf([semantic, decoy, unrelated])).length, { timeout: 15_000 })
      .toBe(3);
    await failing.close(); // nothing listens there any more

    const turn = await app.http.post(`/api/v1/agents/${agentId}/test`, { prompt: QUESTION }, as(account));
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(
      app.logs.some(
        (line) =>
          line.includes('embedding a message for memory recall failed') &&
          line.includes(account.organizationId),
      ),
    ).toBe(true);
    const run = await app.http.get(`/api/v1/runs/${turn.body.run_id}`, as(account));
    const retrieval = run.body.actions.find(
      (action: { action_type: string }) => action.action_type === 'context_retrieval',
    );
    const recalled = (retrieval.result_data.references as { source: string; memory_id?: string }[])
      .filter((reference) => reference.source === 'memory')
      .map((reference) => reference.memory_id);
    expect(recalled[0]).toBe(decoy);

    const found = await search(account, agentId);
    expect(found.retrieval_mode).toBe('full-text');
    expect(found.memories[0]?.id).toBe(decoy);
  });

  it('embeds memories a recall finds without an embedding of the current model', async ({ skip }) => {
    if (!vectors) skip(noVectors);
    const { account, providerId } = await embeddingOrganization('Repair');
    const { agentId, semantic, decoy, unrelated } = await rememberAll(account);
    const ids = [semantic, decoy, unrelated];
    const model = `${providerId}/${MODEL}`;
    await embedded(ids, model);
    await embeddingJobsSettled(account.organizationId);
    // As if stored before the model was chosen (or its job was lost), long ago.
    await app.database.db.execute(sql`delete from memory_embeddings where memory_id = ${semantic}`);
    await app.database.db.execute(sql`update memories set created_at = now() - interval '1 hour',
      updated_at = now() - interval '1 hour' where id = ${semantic}`);
    expect((await search(account, agentId)).memories[0]?.id).toBe(decoy);
    await embedded(ids, model);
    expect((await search(account, agentId)).memories[0]?.id).toBe(semantic);
  });
});
