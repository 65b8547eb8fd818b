import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { uploadAndAttach, waitForExtraction } from './support/knowledge.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

/**
 * Hybrid retrieval over HTTP: an organization chooses an embedding model, its chunks are embedded
 * in the background, and searches fuse vector and full-text ranks. Where the database has no
 * pgvector (PostgreSQL here), the same settings leave retrieval full-text.
 */
const KEY = 'sk-embeddings';
let stub: OpenAiStub;
let app: TestApp;
let admin: TestAccount;
beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['text-embedding-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  admin = await registerAccount(app.http);
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});

const as = () => ({ token: admin.token });

describe('knowledge settings and hybrid search', () => {
  it('refuses a provider type without embeddings, and a provider of another organization', async () => {
    const offline = await app.http.post('/api/v1/providers', { name: 'Offline', type: 'offline' }, as());
    const refused = await app.http.put(
      '/api/v1/knowledge/settings',
      { embedding_provider_id: offline.body.id, embedding_model: 'none' },
      as(),
    );
    expectError(refused, 400, 'embeddings_unsupported');
    const other = await registerAccount(app.http, 'Other');
    const theirs = await app.http.post(
      '/api/v1/providers',
      { name: 'Theirs', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      { token: other.token },
    );
    const foreign = await app.http.put(
      '/api/v1/knowledge/settings',
      { embedding_provider_id: theirs.body.id, embedding_model: 'text-embedding-stub' },
      as(),
    );
    expectError(foreign, 422, 'validation_error');
  });

  it('embeds the agent’s chunks with the chosen model and fuses both rankings', async () => {
    const provider = await app.http.post(
      '/api/v1/providers',
      { name: 'Embeddings', type: 'openai_compatible', base_url: stub.url, api_key: KEY, is_default: false },
      as(),
    );
    const saved = await app.http.put(
      '/api/v1/knowledge/settings',
      { embedding_provider_id: provider.body.id, embedding_model: 'text-embedding-stub' },
      as(),
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const hybrid = testDatabaseKind === 'pglite';
    expect(saved.body).toMatchObject({
      embedding_provider_id: provider.body.id,
      embedding_model: 'text-embedding-stub',
      vector_support: hybrid,
      retrieval_mode: hybrid ? 'hybrid' : 'full-text',
    });

    const agentId = (await app.http.post('/api/v1/agents', { name: 'Ferry desk' }, as())).body.id;
    const fileId = await uploadAndAttach(app.http, admin.token, agentId, {
      filename: 'ferries.md',
      content:
        '# Timetable\n\nThe morning ferry to Lindholm leaves at 06:40 from pier 2.\n\n' +
        '# Fares\n\nChildren under twelve travel free on every crossing.\n',
    });
    expect((await waitForExtraction(app.http, admin.token, agentId, fileId)).processing_status).toBe(
      'processed',
    );

    const search = async () =>
      (
        await app.http.post(
          `/api/v1/agents/${agentId}/knowledge/search`,
          { query: 'When does the morning ferry to Lindholm leave?', k: 2 },
          as(),
        )
      ).body;
    if (hybrid) {
      // The chunks are embedded just after their extraction.
      await expect
        .poll(async () => (await search()).results[0]?.ranks.vector ?? null, { timeout: 10_000 })
        .not.toBeNull();
    }
    const found = await search();
    expect(found.mode).toBe(hybrid ? 'hybrid' : 'full-text');
    expect(found.results[0]).toMatchObject({ file_id: fileId, ranks: { full_text: 1 } });
    expect(found.results[0].text).toContain('06:40');
    const embeddingCalls = stub.requests.filter((request) => request.path === '/v1/embeddings').length;
    expect(embeddingCalls > 0).toBe(hybrid);
  });
});
