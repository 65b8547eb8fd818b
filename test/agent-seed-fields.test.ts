import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentFieldAliases, modelConfigSchema } from '../src/modules/agents/agent-aliases.ts';
import { operatorProviderIds } from '../src/modules/providers/index.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Agent input as the seeds write it (issue "seed fidelity"): aliases that need the
 * organization's providers, referential checks on providers, the list filters of seed 003,
 * the archived status, and seed 000's agent_version and resource_limits.
 */
let app: TestApp;
let stub: OpenAiStub;
let owner: TestAccount;
let stranger: TestAccount;
let ollamaId: string;
let openaiId: string;
let strangerProviderId: string;

async function createProvider(account: TestAccount, body: Record<string, unknown>): Promise<string> {
  const response = await app.http.post('/api/v1/providers', body, { token: account.token });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

const createAgent = (body: Record<string, unknown>, account = owner) =>
  app.http.post('/api/v1/agents', body, { token: account.token });

beforeAll(async () => {
  stub = await startOpenAiStub({ models: ['llama3'] });
  // The operator's Ollama server too, shared with organizations (OPERATOR_PROVIDERS_SHARED defaults
  // to true): agents may name it.
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1', OLLAMA_BASE_URL: stub.url });
  owner = await registerAccount(app.http, 'Owner');
  stranger = await registerAccount(app.http, 'Stranger');
  ollamaId = await createProvider(owner, { name: 'Ollama Local', type: 'ollama', base_url: stub.url });
  openaiId = await createProvider(owner, {
    name: 'OpenAI production',
    type: 'openai_compatible',
    base_url: stub.url,
  });
  strangerProviderId = await createProvider(stranger, {
    name: 'Their Ollama',
    type: 'ollama',
    base_url: stub.url,
  });
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

describe('provider aliases', () => {
  it('resolves llm_provider by type to the organization’s provider of that type', async () => {
    const response = await createAgent({ name: 'By type', configuration: { llm_provider: 'ollama' } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.provider_id).toBe(ollamaId);
    expect(response.body.warnings).toEqual([]);
  });

  it('resolves a provider named by name, case-insensitively, and by id', async () => {
    const byName = await createAgent({ name: 'By name', provider: 'openai PRODUCTION' });
    expect(byName.body.provider_id).toBe(openaiId);
    const byId = await createAgent({ name: 'By id', provider: ollamaId, model: 'llama3' });
    expect(byId.body.provider_id).toBe(ollamaId);
  });

  it('keeps the organization’s default for a type it has no provider of, and says so', async () => {
    const response = await createAgent({
      name: 'Seed default',
      configuration: { llm_provider: 'anthropic' },
    });
    expect(response.status).toBe(201);
    expect(response.body.provider_id).toBeNull();
    expect(response.body.warnings).toEqual([
      expect.objectContaining({
        rule: 'unresolved_provider',
        severity: 'warn',
        field: 'configuration.llm_provider',
        excerpt: 'anthropic',
      }),
    ]);
  });

  it('refuses a name that matches nothing, naming the field as sent', async () => {
    const response = await createAgent({ name: 'Nowhere', model_config: { provider: 'my-gpu-box' } });
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors[0]).toMatchObject({
      field: 'model_config.provider',
      value: 'my-gpu-box',
    });
  });

  it('refuses llm_provider and provider_id naming two providers', async () => {
    const response = await createAgent({ name: 'Two', provider_id: openaiId, llm_provider: 'ollama' });
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors[0].field).toBe('llm_provider');
  });

  it('reads seed 004’s model_config', async () => {
    const response = await createAgent({
      name: 'Seed 004 agent',
      description: 'Answers questions',
      system_prompt: 'You are a helpful assistant.',
      model_config: { provider: 'ollama', model: 'llama3', temperature: 0.2, max_tokens: 900 },
      tools: ['current_time'],
      metadata: { team: 'support', priority: 2 },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      provider_id: ollamaId,
      model: 'llama3',
      temperature: 0.2,
      max_tokens: 900,
      prompt: 'You are a helpful assistant.',
      tools: ['current_time'],
      metadata: { team: 'support', priority: 2 },
    });
    expect(response.body).not.toHaveProperty('system_prompt');
    expect(response.body).not.toHaveProperty('model_config');
  });
});

describe('model_config', () => {
  it('maps model_name, provider_id and the fallbacks to Agentry’s names', async () => {
    const response = await createAgent({
      name: 'Grouped',
      model_config: {
        provider_id: openaiId,
        model_name: 'gpt-4o-mini',
        fallback_provider_id: ollamaId,
        fallback_model: 'llama3',
      },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      provider_id: openaiId,
      model: 'gpt-4o-mini',
      fallback_provider_id: ollamaId,
      fallback_model: 'llama3',
    });
    expect(response.body).not.toHaveProperty('model_config');
    const update = await app.http.put(
      `/api/v1/agents/${response.body.id}`,
      { configuration: { model_config: { provider_id: ollamaId, fallback_model: 'llama3.1' } } },
      { token: owner.token },
    );
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    expect(update.body).toMatchObject({ provider_id: ollamaId, fallback_model: 'llama3.1', version: 2 });
  });
});

/**
 * Two names for one field with different values, over HTTP: one case per alias of the table and
 * per field of model_config (the alias sent last is the one named), and is_active beside status.
 */
const conflictCases = (): Record<string, [Record<string, unknown>, string]> => ({
  type: [{ kind: 'conversational', type: 'voice' }, 'type'],
  llm_model: [{ model: 'gpt-4o', llm_model: 'gpt-4o-mini' }, 'llm_model'],
  model_name: [{ llm_model: 'gpt-4o', model_name: 'llama3' }, 'model_name'],
  system_prompt: [{ prompt: 'You help.', system_prompt: 'You classify.' }, 'system_prompt'],
  memory_enabled: [{ use_memory_context: true, memory_enabled: false }, 'memory_enabled'],
  memory_k: [{ memory: { k: 5 }, memory_k: 8 }, 'memory_k'],
  thread_window: [{ configuration: { memory: { thread_window: 20 } }, thread_window: 30 }, 'thread_window'],
  llm_provider: [{ provider_id: openaiId, llm_provider: 'ollama' }, 'llm_provider'],
  provider: [{ llm_provider: 'openai', provider: 'ollama' }, 'provider'],
  voice_enabled: [{ configuration: { voice_enabled: true }, voice_enabled: false }, 'voice_enabled'],
  tools_enabled: [{ tools: [], tools_enabled: true }, 'tools_enabled'],
  'model_config.provider': [
    { provider_id: openaiId, model_config: { provider: 'ollama' } },
    'model_config.provider',
  ],
  'model_config.provider_id': [
    { provider_id: openaiId, model_config: { provider_id: ollamaId } },
    'model_config.provider_id',
  ],
  'model_config.model': [{ model_name: 'llama3', model_config: { model: 'gpt-4o' } }, 'model_config.model'],
  'model_config.model_name': [
    { configuration: { model: 'gpt-4o', model_config: { model_name: 'llama3' } } },
    'configuration.model_config.model_name',
  ],
  'model_config.temperature': [
    { temperature: 0.1, model_config: { temperature: 0.9 } },
    'model_config.temperature',
  ],
  'model_config.max_tokens': [
    { max_tokens: 100, model_config: { max_tokens: 900 } },
    'model_config.max_tokens',
  ],
  'model_config.fallback_provider_id': [
    { fallback_provider_id: openaiId, model_config: { fallback_provider_id: ollamaId } },
    'model_config.fallback_provider_id',
  ],
  'model_config.fallback_model': [
    { fallback_model: 'llama3', model_config: { fallback_model: 'gpt-4o' } },
    'model_config.fallback_model',
  ],
  is_active: [{ status: 'active', is_active: false }, 'is_active'],
});

describe('two names for one field with different values', () => {
  it('has a case for every alias of the table and every field of model_config', () => {
    expect(Object.keys(conflictCases()).sort()).toEqual(
      [
        ...Object.keys(agentFieldAliases),
        ...Object.keys(modelConfigSchema.shape).map((name) => `model_config.${name}`),
        'is_active',
      ].sort(),
    );
  });

  it.each(Object.keys(conflictCases()))('%s: 422 naming the field, at create and update', async (name) => {
    const [body, field] = conflictCases()[name] ?? [{}, ''];
    const created = await createAgent({ name: `Conflict ${name}`, ...body });
    expectError(created, 422, 'validation_error');
    const conflict = expect.objectContaining({ field, message: expect.stringMatching(/^conflicts with /) });
    expect(created.body.validation_errors).toEqual([conflict]);
    const agent = await createAgent({ name: `Target ${name}` });
    const updated = await app.http.put(`/api/v1/agents/${agent.body.id}`, body, { token: owner.token });
    expectError(updated, 422, 'validation_error');
    expect(updated.body.validation_errors).toEqual([conflict]);
  });

  it('accepts two names for one field with the same value', async () => {
    const response = await createAgent({
      name: 'Agreeing',
      model: 'llama3',
      model_name: 'llama3',
      prompt: 'You help.',
      configuration: { system_prompt: 'You help.' },
      model_config: { provider_id: ollamaId, provider: 'ollama' },
      status: 'inactive',
      is_active: false,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      model: 'llama3',
      prompt: 'You help.',
      provider_id: ollamaId,
      status: 'inactive',
    });
  });
});

describe('referential checks', () => {
  it('refuses a provider_id that names no provider (422 naming the field)', async () => {
    const response = await createAgent({
      name: 'Ghost',
      provider_id: '0190a2b4-0000-7000-8000-000000000000',
    });
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors[0]).toMatchObject({ field: 'provider_id' });
  });

  it('names the field as sent when model_config names a provider that is not there', async () => {
    const response = await createAgent({
      name: 'Seed 004 ghost',
      model_config: { provider_id: strangerProviderId, fallback_provider_id: openaiId },
    });
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors[0]).toMatchObject({ field: 'model_config.provider_id' });
    const fallback = await createAgent({
      name: 'Seed 004 ghost fallback',
      model_config: { provider_id: openaiId, fallback_provider_id: strangerProviderId },
    });
    expect(fallback.body.validation_errors[0]).toMatchObject({ field: 'model_config.fallback_provider_id' });
  });

  it('refuses another organization’s provider, as a provider that is not there', async () => {
    const create = await createAgent({ name: 'Borrowed', provider_id: strangerProviderId });
    expectError(create, 422, 'validation_error');
    const agent = await createAgent({ name: 'Mine' });
    const update = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { fallback_provider_id: strangerProviderId },
      { token: owner.token },
    );
    expectError(update, 422, 'validation_error');
    expect(update.body.validation_errors[0].field).toBe('fallback_provider_id');
    const unchanged = await app.http.get(`/api/v1/agents/${agent.body.id}`, { token: owner.token });
    expect(unchanged.body).toMatchObject({ version: 1, fallback_provider_id: null });
  });

  it('keeps accepting updates of an agent whose provider was deleted since', async () => {
    const providerId = await createProvider(owner, {
      name: 'Short-lived',
      type: 'ollama',
      base_url: stub.url,
    });
    const agent = await createAgent({ name: 'Outlives its provider', provider_id: providerId });
    expect((await app.http.delete(`/api/v1/providers/${providerId}`, { token: owner.token })).status).toBe(
      204,
    );
    const update = await app.http.put(
      `/api/v1/agents/${agent.body.id}`,
      { provider_id: providerId, tone: 'calm' },
      { token: owner.token },
    );
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    expect(update.body.tone).toBe('calm');
  });
});

describe('switch aliases', () => {
  it('voice_enabled: true needs a voice section', async () => {
    const refused = await createAgent({ name: 'Mute', configuration: { voice_enabled: true } });
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0].field).toBe('configuration.voice_enabled');
    const accepted = await createAgent({
      name: 'Speaks',
      configuration: { voice_enabled: true },
      voice: { voice_id: 'calm-female' },
    });
    expect(accepted.status).toBe(201);
    expect(accepted.body.voice).toMatchObject({ voice_id: 'calm-female', provider: 'elevenlabs' });
  });

  it('voice_enabled: false removes nothing (Python clients send it by default) and says so', async () => {
    const agent = await createAgent({ name: 'Was speaking', voice: { voice_id: 'v1' } });
    const update = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { configuration: { voice_enabled: false } },
      { token: owner.token },
    );
    expect(update.status).toBe(200);
    expect(update.body.voice).toMatchObject({ voice_id: 'v1' });
    expect(update.body.warnings).toEqual([
      expect.objectContaining({ rule: 'switch_not_applied', field: 'configuration.voice_enabled' }),
    ]);
    const quiet = await createAgent({ name: 'Never spoke', configuration: { voice_enabled: false } });
    expect(quiet.body).toMatchObject({ voice: null, warnings: [] });
  });

  it('tools_enabled: true with no tools named enables the built-in tools; false keeps them, with a warning', async () => {
    const agent = await createAgent({ name: 'Tool user', configuration: { tools_enabled: true } });
    expect(agent.body.tools).toEqual(['current_time', 'search_session_messages']);
    const named = await createAgent({ name: 'Clock', tools: ['current_time'], tools_enabled: true });
    expect(named.body.tools).toEqual(['current_time']);
    const refused = await createAgent({ name: 'Contradiction', tools: [], tools_enabled: true });
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0].field).toBe('tools_enabled');
    const off = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { configuration: { tools_enabled: false } },
      { token: owner.token },
    );
    expect(off.body.tools).toEqual(['current_time', 'search_session_messages']);
    expect(off.body.warnings).toEqual([
      expect.objectContaining({ rule: 'switch_not_applied', field: 'configuration.tools_enabled' }),
    ]);
    expect(off.body.version).toBe(1);
  });

  it('reads null sections and names as "not given", as pydantic sends unset optional fields', async () => {
    const response = await app.http.post(
      '/api/v1/agents/',
      {
        name: 'Pydantic',
        type: 'conversational',
        identity: { short_description: 'Helps' },
        traits: null,
        configuration: null,
        voice: null,
        tags: [],
      },
      { token: owner.token },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.traits.empathy).toBe(50);
    const update = await app.http.patch(
      `/api/v1/agents/${response.body.id}/`,
      { name: null, identity: null, traits: { empathy: 90 }, configuration: null, tags: null, status: null },
      { token: owner.token },
    );
    expect(update.status, JSON.stringify(update.body)).toBe(200);
    expect(update.body).toMatchObject({
      name: 'Pydantic',
      traits: { empathy: 90 },
      status: 'active',
      version: 2,
    });
  });
});

describe('list filters of seed 003', () => {
  it('filters by provider_id and active_only', async () => {
    const own = await registerAccount(app.http, 'Lister');
    const providerId = await createProvider(own, { name: 'Filtered', type: 'ollama', base_url: stub.url });
    const onProvider = await createAgent({ name: 'On provider', provider_id: providerId }, own);
    const inactive = await createAgent({ name: 'Inactive', provider_id: providerId, is_active: false }, own);
    await createAgent({ name: 'Elsewhere' }, own);

    const byProvider = await app.http.get(`/api/v1/agents?provider_id=${providerId}`, { token: own.token });
    expect(byProvider.body.map((agent: { name: string }) => agent.name).sort()).toEqual([
      'Inactive',
      'On provider',
    ]);
    expect(byProvider.headers.get('x-total-count')).toBe('2');

    const active = await app.http.get(`/api/v1/agents?provider_id=${providerId}&active_only=true`, {
      token: own.token,
    });
    expect(active.body.map((agent: { id: string }) => agent.id)).toEqual([onProvider.body.id]);
    const all = await app.http.get('/api/v1/agents?active_only=false', { token: own.token });
    expect(all.body).toHaveLength(3);
    expect(inactive.body.status).toBe('inactive');
    expectError(
      await app.http.get('/api/v1/agents?active_only=yes', { token: own.token }),
      422,
      'validation_error',
    );
  });
});

describe('archived agents', () => {
  it('are archived by an update, stay readable, leave the default list and cannot execute', async () => {
    const own = await registerAccount(app.http, 'Archivist');
    const agent = await createAgent({ name: 'Retired' }, own);
    await createAgent({ name: 'Working' }, own);
    const archived = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { status: 'archived', change_reason: 'Replaced by v2' },
      { token: own.token },
    );
    expect(archived.status, JSON.stringify(archived.body)).toBe(200);
    expect(archived.body).toMatchObject({ status: 'archived', is_active: false });

    expect((await app.http.get(`/api/v1/agents/${agent.body.id}`, { token: own.token })).body.status).toBe(
      'archived',
    );
    const list = await app.http.get('/api/v1/agents', { token: own.token });
    expect(list.body.map((item: { name: string }) => item.name)).toEqual(['Working']);
    const archivedList = await app.http.get('/api/v1/agents?status=archived', { token: own.token });
    expect(archivedList.body.map((item: { id: string }) => item.id)).toEqual([agent.body.id]);

    const execute = await app.http.post(
      `/api/v1/agents/${agent.body.id}/execute`,
      { message: 'Hello?' },
      { token: own.token },
    );
    expectError(execute, 400, 'agent_inactive');

    const history = await app.http.get(`/api/v1/agents/${agent.body.id}/history?field_filter=status`, {
      token: own.token,
    });
    expect(history.body[0]).toMatchObject({
      change_type: 'status_change',
      old_value: 'active',
      new_value: 'archived',
      change_reason: 'Replaced by v2',
    });

    const restored = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { status: 'active' },
      { token: own.token },
    );
    expect(restored.body.status).toBe('active');
  });
});

describe('agent_version, resource_limits and metadata', () => {
  it('default, are versioned and show in history and diffs', async () => {
    const agent = await createAgent({ name: 'Labelled' });
    expect(agent.body).toMatchObject({
      agent_version: '1.0.0',
      resource_limits: { max_concurrent_turns: null, max_tokens_per_day: null },
      metadata: {},
    });
    const update = await app.http.put(
      `/api/v1/agents/${agent.body.id}`,
      { agent_version: '1.1.0', resource_limits: { max_tokens_per_day: 200_000 } },
      { token: owner.token },
    );
    expect(update.body).toMatchObject({
      version: 2,
      agent_version: '1.1.0',
      resource_limits: { max_concurrent_turns: null, max_tokens_per_day: 200_000 },
    });
    const diff = await app.http.get(`/api/v1/agents/${agent.body.id}/configuration/versions/2/diff`, {
      token: owner.token,
    });
    expect(diff.body.changes).toEqual([
      { field: 'agent_version', old_value: '1.0.0', new_value: '1.1.0' },
      { field: 'resource_limits.max_tokens_per_day', old_value: null, new_value: 200_000 },
    ]);
    const version1 = await app.http.get(`/api/v1/agents/${agent.body.id}/configuration/versions/1`, {
      token: owner.token,
    });
    expect(version1.body.configuration.agent_version).toBe('1.0.0');
  });

  it('refuses a label that is not a semantic version, and limits out of range', async () => {
    const label = await createAgent({ name: 'Bad label', agent_version: 'v2' });
    expectError(label, 422, 'validation_error');
    expect(label.body.validation_errors[0].field).toBe('agent_version');
    const limits = await createAgent({ name: 'Bad limits', resource_limits: { max_concurrent_turns: 0 } });
    expectError(limits, 422, 'validation_error');
    expect(limits.body.validation_errors[0].field).toBe('resource_limits.max_concurrent_turns');
  });
});

// Last: starting a second app blocks the event loop for a moment.
describe('operator providers', () => {
  it('may be named when the operator shares them', async () => {
    const response = await createAgent({
      name: 'On the operator’s server',
      provider_id: operatorProviderIds.ollama,
      fallback_provider_id: operatorProviderIds.ollama,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      provider_id: operatorProviderIds.ollama,
      fallback_provider_id: operatorProviderIds.ollama,
    });
  });

  it('are refused, 422 naming the field, when the operator does not share them', async () => {
    const unshared = await startTestApp({
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      OLLAMA_BASE_URL: stub.url,
      OPERATOR_PROVIDERS_SHARED: 'false',
    });
    try {
      const tenant = await registerAccount(unshared.http, 'Unshared tenant');
      for (const field of ['provider_id', 'fallback_provider_id']) {
        const response = await unshared.http.post(
          '/api/v1/agents',
          { name: 'On the operator’s server', [field]: operatorProviderIds.ollama },
          { token: tenant.token },
        );
        expectError(response, 422, 'validation_error');
        expect(response.body.validation_errors).toEqual([
          expect.objectContaining({ field, value: operatorProviderIds.ollama }),
        ]);
      }
      const agent = await unshared.http.post('/api/v1/agents', { name: 'Own' }, { token: tenant.token });
      const update = await unshared.http.patch(
        `/api/v1/agents/${agent.body.id}`,
        { provider_id: operatorProviderIds.ollama },
        { token: tenant.token },
      );
      expectError(update, 422, 'validation_error');
      expect(update.body.validation_errors[0].field).toBe('provider_id');
    } finally {
      await unshared.close();
    }
  });
});
