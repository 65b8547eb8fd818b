import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrganization } from '../../../test/support/organizations.ts';
import { assembleProviders } from '../../../test/support/provider-connections.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { AppError, ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import { createKnowledgeSettingsService } from './knowledge-settings.ts';
import type { VectorSupport } from './vector-support.ts';

let database: TestDatabase;
let providers: ReturnType<typeof assembleProviders>;
let organization: Principal;
let gatewayId: string;

const hybrid: VectorSupport = { mode: 'hybrid', reason: 'pgvector 0.8.7 is installed' };
const changes: TenantScope[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  providers = assembleProviders(database.db);
  organization = await newOrganization(database.db);
  gatewayId = (
    await providers.service.create(organization, {
      name: 'Gateway',
      type: 'openai_compatible',
      base_url: 'https://gateway.example/v1',
      api_key: 'sk-gateway-key',
    })
  ).id;
});
afterAll(() => database.dispose());

const settingsService = (vectorSupport: VectorSupport = hybrid) =>
  createKnowledgeSettingsService({
    db: database.db,
    resolveConnection: providers.resolveConnection,
    vectorSupport,
    onEmbeddingModelChanged: async (_tx, scope) => void changes.push(scope),
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: AppError) => error,
  );

describe('knowledge settings', () => {
  it('start with no embedding model: full-text retrieval, whatever the database supports', async () => {
    const principal = await newOrganization(database.db);

    expect(await settingsService().get(principal)).toEqual({
      embedding_provider_id: null,
      embedding_model: null,
      retrieval_mode: 'full-text',
      vector_support: true,
      updated_at: null,
    });
    expect(await settingsService({ mode: 'full-text', reason: 'no pgvector' }).get(principal)).toMatchObject({
      vector_support: false,
    });
  });

  it('choose an embedding model of a usable provider: hybrid where vectors are supported, once announced', async () => {
    changes.length = 0;
    const choice = { embedding_provider_id: gatewayId, embedding_model: 'text-embedding-3-small' };

    const saved = await settingsService().update(organization, choice);
    await settingsService().update(organization, choice);

    expect(saved).toMatchObject({ ...choice, retrieval_mode: 'hybrid', vector_support: true });
    expect(Date.parse(saved.updated_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(
      await settingsService({ mode: 'full-text', reason: 'no pgvector' }).get(organization),
    ).toMatchObject({
      ...choice,
      retrieval_mode: 'full-text',
      vector_support: false,
    });
    expect(changes).toEqual([organization]);
  });

  it('go back to full-text only with both fields null, announcing the change', async () => {
    const principal = await newOrganization(database.db);
    const { id } = await providers.service.create(principal, {
      name: 'Local',
      type: 'ollama',
      base_url: 'http://ollama.example:11434/v1',
    });
    await settingsService().update(principal, {
      embedding_provider_id: id,
      embedding_model: 'nomic-embed-text',
    });
    changes.length = 0;

    const cleared = await settingsService().update(principal, {
      embedding_provider_id: null,
      embedding_model: null,
    });

    expect(cleared).toMatchObject({
      embedding_provider_id: null,
      embedding_model: null,
      retrieval_mode: 'full-text',
    });
    expect(changes).toEqual([principal]);
  });

  it('refuse a provider without the model, or a model without the provider (422)', async () => {
    for (const body of [
      { embedding_provider_id: gatewayId, embedding_model: null },
      { embedding_provider_id: null, embedding_model: 'text-embedding-3-small' },
    ]) {
      const error = (await failure(settingsService().update(organization, body))) as ValidationError;
      expect(error.status).toBe(422);
      expect(error.fieldErrors[0]?.field).toBe('embedding_model');
    }
  });

  it('refuse a provider the organization cannot use: unknown, or another organization’s (422)', async () => {
    const stranger = await newOrganization(database.db);
    for (const providerId of ['01972fe3-1260-78e6-8ba5-59cc4c4ba5bb', gatewayId]) {
      const error = (await failure(
        settingsService().update(stranger, { embedding_provider_id: providerId, embedding_model: 'any' }),
      )) as ValidationError;
      expect(error.status).toBe(422);
      expect(error.fieldErrors).toEqual([
        expect.objectContaining({ field: 'embedding_provider_id', value: providerId }),
      ]);
    }
  });

  it('refuse providers without embeddings (400 embeddings_unsupported) and inactive ones (400)', async () => {
    const principal = await newOrganization(database.db);
    const anthropic = await providers.service.create(principal, {
      name: 'Claude',
      type: 'anthropic',
      api_key: 'sk-ant-key',
    });
    const offline = await providers.service.create(principal, { name: 'Offline', type: 'offline' });
    const inactive = await providers.service.create(principal, {
      name: 'Paused',
      type: 'openai',
      api_key: 'sk-paused',
      is_active: false,
    });

    const outcomes = [];
    for (const { id } of [anthropic, offline, inactive]) {
      const error = await failure(
        settingsService().update(principal, { embedding_provider_id: id, embedding_model: 'some-model' }),
      );
      outcomes.push([error?.status, error?.code]);
    }

    expect(outcomes).toEqual([
      [400, 'embeddings_unsupported'],
      [400, 'embeddings_unsupported'],
      [400, 'provider_inactive'],
    ]);
    expect(await settingsService().get(principal)).toMatchObject({ embedding_provider_id: null });
  });

  it('are changed by org_admins only (403 otherwise)', async () => {
    const error = await failure(
      settingsService().update(
        { ...organization, role: 'agent_admin' },
        { embedding_provider_id: null, embedding_model: null },
      ),
    );

    expect(error?.status).toBe(403);
  });
});
