import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentKinds, setAgentDefinitionEnabled } from '../src/modules/kinds/index.ts';
import { upsertDefinitions } from '../src/modules/kinds/kind-repository.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { runAgentryCommand } from './support/server-process.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

/**
 * The registry of agent kinds (docs/agent-kinds.md): the definitions API, an agent's `kind` and
 * `settings` checked against it, and the operator's switch. The server loads the fixture module
 * test/fixtures/agent-kinds/recording-kind.ts beside the built-in kinds.
 */
const RECORDING_MODULE = './test/fixtures/agent-kinds/recording-kind.ts';
let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  app = await startTestApp({ AGENT_REGISTRY_MODULES: RECORDING_MODULE });
  owner = await registerAccount(app.http);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });
const slugsOf = (body: { slug: string }[]) => body.map((definition) => definition.slug);

describe('GET /api/v1/agent-definitions', () => {
  it('lists the built-in kinds and the loaded ones by slug, to every role', async () => {
    const readonly = await addMember(app.http, owner, 'readonly');
    const response = await app.http.get('/api/v1/agent-definitions', { token: readonly.token });
    expect(response.status).toBe(200);
    expect(slugsOf(response.body)).toEqual([
      'autonomous',
      'conversational',
      'recording',
      'voice',
      'workflow',
    ]);
    expect(response.headers.get('x-total-count')).toBe('5');
    const recording = response.body.find((definition: { slug: string }) => definition.slug === 'recording');
    expect(recording).toMatchObject({
      name: 'Recording kind',
      agent_type: 'testing',
      capabilities: ['recording', 'tools'],
      metadata: { fixture: true },
      is_enabled: true,
      is_loaded: true,
      source: RECORDING_MODULE,
      config_schema: { type: 'object', additionalProperties: false },
    });
    expect(response.body[0]).toMatchObject({
      slug: 'autonomous',
      source: 'builtin',
      agent_type: 'automation',
    });
  });

  it('filters by agent_type, capability and enabled_only, and paginates', async () => {
    const automation = await app.http.get('/api/v1/agent-definitions?agent_type=automation', as());
    expect(slugsOf(automation.body)).toEqual(['autonomous', 'workflow']);
    const voice = await app.http.get('/api/v1/agent-definitions?capability=voice', as());
    expect(slugsOf(voice.body)).toEqual(['voice']);
    const tools = await app.http.get('/api/v1/agent-definitions?capability=tools&enabled_only=true', as());
    expect(slugsOf(tools.body)).toEqual(['autonomous', 'conversational', 'recording', 'workflow']);
    const page = await app.http.get('/api/v1/agent-definitions?limit=2&offset=1', as());
    expect(slugsOf(page.body)).toEqual(['conversational', 'recording']);
    expect(page.headers.get('x-total-count')).toBe('5');
    expectError(await app.http.get('/api/v1/agent-definitions?limit=0', as()), 422, 'validation_error');
  });

  it('answers one definition by slug, 404 for an unknown slug, 401 without credentials', async () => {
    const workflow = await app.http.get('/api/v1/agent-definitions/workflow', as());
    expect(workflow.status).toBe(200);
    expect(workflow.body).toMatchObject({
      slug: 'workflow',
      capabilities: expect.arrayContaining(['tasks', 'workflow_steps']),
      config_schema: { properties: { max_parallel: { type: 'integer' }, steps: { type: 'array' } } },
    });
    expectError(await app.http.get('/api/v1/agent-definitions/no-such-kind', as()), 404, 'not_found');
    expectError(await app.http.get('/api/v1/agent-definitions/workflow'), 401, 'authentication_error');
  });

  it('shows a recorded definition whose module this server did not load as not loaded, and refuses it', async () => {
    await upsertDefinitions(app.database.db, [
      {
        slug: 'retired',
        name: 'Retired kind',
        agentType: 'testing',
        description: null,
        capabilities: [],
        configSchema: { type: 'object' },
        metadata: {},
        source: './kinds/retired.js',
      },
    ]);
    const retired = await app.http.get('/api/v1/agent-definitions/retired', as());
    expect(retired.body).toMatchObject({ is_enabled: true, is_loaded: false, source: './kinds/retired.js' });
    const refused = await app.http.post('/api/v1/agents', { kind: 'retired' }, as());
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0]).toMatchObject({ field: 'kind', value: 'retired' });
    expect(refused.body.message).toContain('not loaded');
  });
});

describe('an agent’s kind and settings', () => {
  it('refuses a kind no definition has with 422 naming kind and the slugs allowed', async () => {
    const before = await app.http.get('/api/v1/agents?limit=1', as());
    const refused = await app.http.post('/api/v1/agents', { kind: 'telepathic' }, as());
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors).toMatchObject([
      {
        field: 'kind',
        value: 'telepathic',
        message: 'must name an enabled agent kind: autonomous, conversational, recording, voice, workflow',
      },
    ]);
    const agent = await app.http.post('/api/v1/agents', { name: 'Plain' }, as());
    const switched = await app.http.patch(`/api/v1/agents/${agent.body.id}`, { type: 'telepathic' }, as());
    expectError(switched, 422, 'validation_error');
    // Named as the request spelled it (seed 001's `type`).
    expect(switched.body.validation_errors[0].field).toBe('type');
    const after = await app.http.get('/api/v1/agents?limit=1', as());
    expect(Number(after.headers.get('x-total-count'))).toBe(Number(before.headers.get('x-total-count')) + 1);
  });

  it.each([
    { settings: { max_parallel: 0 }, field: 'settings.max_parallel', value: 0 },
    { settings: { max_parallel: 'two' }, field: 'settings.max_parallel', value: 'two' },
    { settings: { steps: ['fetch', 7] }, field: 'settings.steps.1', value: 7 },
    { settings: { schedule: 'hourly' }, field: 'settings.schedule', value: 'hourly' },
  ])('refuses workflow settings that break its config_schema with 422 naming $field', async ({
    settings,
    field,
    value,
  }) => {
    const refused = await app.http.post('/api/v1/agents', { kind: 'workflow', settings }, as());
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors).toContainEqual(expect.objectContaining({ field, value }));
  });

  it('names a missing required setting by its path, as the request gave it', async () => {
    const refused = await app.http.post(
      '/api/v1/agents',
      { kind: 'recording', configuration: { settings: { limits: {} } } },
      as(),
    );
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0]).toMatchObject({
      field: 'configuration.settings.limits.max_parallel',
      message: "must have required property 'max_parallel'",
    });
  });

  it('stores, versions and diffs settings; a change replaces them whole', async () => {
    const created = await app.http.post(
      '/api/v1/agents',
      { kind: 'workflow', settings: { steps: ['fetch', 'summarize'], max_parallel: 2 } },
      as(),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.settings).toEqual({ steps: ['fetch', 'summarize'], max_parallel: 2 });
    const id = created.body.id;
    const changed = await app.http.patch(`/api/v1/agents/${id}`, { settings: { max_parallel: 4 } }, as());
    expect(changed.body).toMatchObject({ version: 2, settings: { max_parallel: 4 } });
    const history = await app.http.get(`/api/v1/agents/${id}/history?field_filter=settings`, as());
    expect(
      history.body.map((entry: { field_changed: string; old_value: string; new_value: string }) => [
        entry.field_changed,
        entry.old_value,
        entry.new_value,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['settings.max_parallel', '2', '4'],
        ['settings.steps', '["fetch","summarize"]', null],
      ]),
    );
    const diff = await app.http.get(`/api/v1/agents/${id}/configuration/versions/2/diff`, as());
    expect(diff.status, JSON.stringify(diff.body)).toBe(200);
    expect(diff.body.changes).toContainEqual({ field: 'settings.max_parallel', old_value: 2, new_value: 4 });
    const version1 = await app.http.get(`/api/v1/agents/${id}/configuration/versions/1`, as());
    expect(version1.body.configuration.settings).toEqual({ steps: ['fetch', 'summarize'], max_parallel: 2 });
    const rolledBack = await app.http.post(
      `/api/v1/agents/${id}/configuration/rollback`,
      { version: 1 },
      as(),
    );
    expect(rolledBack.body).toMatchObject({ version: 3, settings: { max_parallel: 2 } });
  });

  it('keeps requiring the voice section of a voice agent', async () => {
    const refused = await app.http.post(
      '/api/v1/agents',
      { kind: 'voice', settings: { barge_in: true } },
      as(),
    );
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0].field).toBe('voice');
    const voice = await app.http.post(
      '/api/v1/agents',
      { kind: 'voice', voice: { voice_id: 'rachel' }, settings: { barge_in: true } },
      as(),
    );
    expect(voice.status).toBe(201);
    expect(voice.body.settings).toEqual({ barge_in: true });
  });
});

describe('the operator’s switch', () => {
  it('refuses new agents of a disabled kind in running servers, keeps existing ones, and enables it again', async () => {
    const existing = await app.http.post('/api/v1/agents', { kind: 'autonomous' }, as());
    expect(existing.status).toBe(201);
    const disabled = await setAgentDefinitionEnabled(app.database, 'autonomous', false);
    expect(disabled).toMatchObject({ slug: 'autonomous', isEnabled: false });
    const definition = await app.http.get('/api/v1/agent-definitions/autonomous', as());
    expect(definition.body).toMatchObject({ is_enabled: false, is_loaded: true });
    await expect
      .poll(async () => (await app.http.post('/api/v1/agents', { kind: 'autonomous' }, as())).status)
      .toBe(422);
    const refused = await app.http.post('/api/v1/agents', { kind: 'autonomous' }, as());
    expect(refused.body.validation_errors[0].message).not.toContain('autonomous');
    const enabledOnly = await app.http.get('/api/v1/agent-definitions?enabled_only=true', as());
    expect(slugsOf(enabledOnly.body)).not.toContain('autonomous');

    const kept = await app.http.patch(
      `/api/v1/agents/${existing.body.id}`,
      { name: 'Still autonomous', settings: { max_tasks_per_hour: 10 } },
      as(),
    );
    expect(kept.body).toMatchObject({ kind: 'autonomous', name: 'Still autonomous', version: 2 });

    await setAgentDefinitionEnabled(app.database, 'autonomous', true);
    await expect
      .poll(async () => (await app.http.post('/api/v1/agents', { kind: 'autonomous' }, as())).status)
      .toBe(201);
    expect(await setAgentDefinitionEnabled(app.database, 'no-such-kind', false)).toBeUndefined();
  });

  it('keeps the operator’s switch when a server starts again, and survives starts at the same time', async () => {
    await setAgentDefinitionEnabled(app.database, 'workflow', false);
    const settings = { modules: [RECORDING_MODULE], onError: 'fail' as const };
    const fail = (problem: unknown) => {
      throw new Error(`unexpected module problem ${JSON.stringify(problem)}`);
    };
    await Promise.all([
      loadAgentKinds(app.database.db, settings, fail),
      loadAgentKinds(app.database.db, settings, fail),
      loadAgentKinds(app.database.db, settings, fail),
    ]);
    const workflow = await app.http.get('/api/v1/agent-definitions/workflow', as());
    expect(workflow.body.is_enabled).toBe(false);
    const all = await app.http.get('/api/v1/agent-definitions', as());
    expect(all.headers.get('x-total-count')).toBe('6');
    await setAgentDefinitionEnabled(app.database, 'workflow', true);
  });

  it.runIf(testDatabaseKind === 'postgres')(
    'is the `agentry agent-definitions` command, against a running server',
    async () => {
      const env = { DATABASE_URL: app.database.url as string };
      const unknown = await runAgentryCommand(['agent-definitions', 'disable', 'nothing-here'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.output).toContain('No agent definition has the slug nothing-here');
      const disabled = await runAgentryCommand(['agent-definitions', 'disable', 'voice'], env);
      expect(disabled.output).toContain('voice is disabled');
      expect(disabled.code).toBe(0);
      const listed = await runAgentryCommand(['agent-definitions', 'list'], env);
      expect(listed.code).toBe(0);
      expect(listed.output).toMatch(/^voice\tfalse\ttrue\tassistant\tbuiltin\t/m);
      // The command's configuration does not load the fixture module.
      expect(listed.output).toMatch(/^recording\ttrue\tfalse\t/m);
      await expect
        .poll(async () => (await app.http.get('/api/v1/agent-definitions/voice', as())).body.is_enabled)
        .toBe(false);
      const refused = await app.http.post(
        '/api/v1/agents',
        { kind: 'voice', voice: { voice_id: 'v' } },
        as(),
      );
      expect(refused.status).toBe(422);
    },
  );
});
