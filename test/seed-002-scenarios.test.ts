import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { setAgentDefinitionEnabled } from '../src/modules/kinds/index.ts';
import { recordedCalls } from './fixtures/agent-kinds/recording-kind.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { expectStatus, readAgent as readAgentOf, spawnInstance } from './support/seed-002.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 002 (agent core services) through the API. The seed is a set of Python services
 * with no routes; each of its acceptance criteria, its "Registry Management" calls, its settings
 * and its statuses is checked against the route that carries it (docs/seeds.md, seed 002):
 * definitions are /agent-definitions (agent kinds, docs/agent-kinds.md), instances are agents of a
 * kind, and a workspace is an organization (DESIGN 9 "tenant name").
 *
 * This file: the settings, the registry (definitions loaded from modules, instances spawned from
 * them) and the lifecycle hooks. The statuses are in seed-002-status-scenarios.test.ts, the
 * shared contexts and workspace/project isolation in seed-002-context-scenarios.test.ts.
 *
 * The server loads the seed's two example modules (builders, reviewers) and the recording kind,
 * whose hooks record their calls and fail on request.
 */
const FIXTURES = './test/fixtures/agent-kinds';
const MODULES = [
  `${FIXTURES}/seed-002-builders.ts`,
  `${FIXTURES}/seed-002-reviewers.ts`,
  `${FIXTURES}/recording-kind.ts`,
];
/** The seed's own module names (myapp.agents.builders): Python modules, which Node cannot import. */
const PYTHON_MODULE = 'myapp.agents.builders';

let app: TestApp;
/** The seed's workspace: an organization. */
let owner: TestAccount;
/** Another workspace. */
let stranger: TestAccount;

beforeAll(async () => {
  app = await startTestApp({
    AGENT_REGISTRY_MODULES: [PYTHON_MODULE, ...MODULES].join(','),
    AGENT_REGISTRY_ON_ERROR: 'skip',
  });
  owner = await registerAccount(app.http, 'Seed 002 owner');
  stranger = await registerAccount(app.http, 'Another workspace');
});
afterAll(() => app.close());

const as = (account: TestAccount = owner) => ({ token: account.token });
const slugsOf = (definitions: { slug: string }[]) => definitions.map((definition) => definition.slug);
const spawn = (body: Record<string, unknown>, account = owner) => spawnInstance(app.http, account, body);
const readAgent = (agentId: string) => readAgentOf(app.http, owner, agentId);

/** The hooks called on one agent, in order, with the status each saw. */
const hooksOf = (agentId: string) =>
  recordedCalls()
    .filter((call) => call.agent.id === agentId)
    .map((call) => `${call.hook}:${call.agent.status}`);

describe('seed 002 configuration: loading agent modules', () => {
  it('reads the seed’s .env block, and refuses limits below 1 at start', () => {
    const settings = {
      JWT_SECRET: 'a-jwt-secret-that-is-long-enough-for-hs256',
      AGENTS_ENABLED: 'true',
      AGENT_REGISTRY_MODULES: 'myapp.agents.builders,myapp.agents.reviewers',
      AGENT_MAX_CONCURRENCY: '20',
      AGENT_CONTEXT_HISTORY_LIMIT: '50',
    };
    // AGENTS_ENABLED is not one of Agentry's settings (below): like any other variable it is ignored
    // (docs/decisions/0015-seed-adaptations.md §17).
    const config = loadConfig(settings);
    expect(config.agentKinds.modules).toEqual(['myapp.agents.builders', 'myapp.agents.reviewers']);
    expect(config.tasks.agentMaxConcurrency).toBe(20);
    expect(config.contexts.historyLimit).toBe(50);
    expect(() =>
      loadConfig({ ...settings, AGENT_MAX_CONCURRENCY: '0', AGENT_CONTEXT_HISTORY_LIMIT: '0' }),
    ).toThrow(/AGENT_CONTEXT_HISTORY_LIMIT: Too small[\s\S]*AGENT_MAX_CONCURRENCY: Too small/);
  });

  it('AGENT_REGISTRY_MODULES: loads each module named, in order, beside the built-in kinds', async () => {
    const definitions = await app.http.get('/api/v1/agent-definitions', as());
    expect(slugsOf(expectStatus(definitions, 200))).toEqual([
      'autonomous',
      'builder',
      'conversational',
      'recording',
      'reviewer',
      'voice',
      'workflow',
    ]);
    const sources = Object.fromEntries(
      definitions.body.map((definition: { slug: string; source: string }) => [
        definition.slug,
        definition.source,
      ]),
    );
    // Seed 002's register_agents(registry) is registerAgentKinds(registry); each kind names its module.
    expect(sources).toMatchObject({
      builder: MODULES[0],
      reviewer: MODULES[1],
      recording: MODULES[2],
      conversational: 'builtin',
    });
  });

  it('reports a module it cannot import (the seed’s Python module name) and starts without it', async () => {
    // Adapted: docs/decisions/0015-seed-adaptations.md §17.
    // Agentry's modules are JavaScript/TypeScript files or packages: "myapp.agents.builders" is a
    // package name that does not exist. AGENT_REGISTRY_ON_ERROR=skip starts without it (the
    // default, fail, would stop the start); either way one log line says why.
    const reports = app.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('agent kind module not loaded'))
      .map((line) => JSON.parse(line));
    expect(reports).toEqual([
      expect.objectContaining({
        agent_kind_module: PYTHON_MODULE,
        reason: expect.stringContaining('no file or package of that name is found'),
        on_error: 'skip',
      }),
    ]);
  });

  it('AGENTS_ENABLED: agents are always on; an operator disables kinds one by one', async () => {
    // Seed 002's AGENTS_ENABLED (off by default) switches the whole feature. Agentry's agents are
    // its core, so there is no such switch (docs/decisions/0015-seed-adaptations.md §17); the operator's
    // switch is per definition (`agentry agent-definitions disable <slug>`, docs/agent-kinds.md).
    expect(
      expectStatus(await app.http.get('/api/v1/agent-definitions?enabled_only=true', as()), 200),
    ).toHaveLength(7);
    const existing = await spawn({ kind: 'reviewer' });
    await setAgentDefinitionEnabled(app.database, 'reviewer', false);
    try {
      await expect
        .poll(async () => (await app.http.post('/api/v1/agents', { kind: 'reviewer' }, as())).status)
        .toBe(422);
      const definition = await app.http.get('/api/v1/agent-definitions/reviewer', as());
      expect(definition.body).toMatchObject({ is_enabled: false, is_loaded: true });
      // Instances already spawned keep their kind and keep working.
      const renamed = await app.http.patch(`/api/v1/agents/${existing.id}`, { name: 'Still here' }, as());
      expect(expectStatus(renamed, 200)).toMatchObject({ kind: 'reviewer', name: 'Still here' });
    } finally {
      await setAgentDefinitionEnabled(app.database, 'reviewer', true);
    }
    await expect
      .poll(async () => (await app.http.post('/api/v1/agents', { kind: 'reviewer' }, as())).status)
      .toBe(201);
  });
});

describe('seed 002 Registry Management: registry.load_definitions', () => {
  it('lists each registered definition with the columns of agent_definitions', async () => {
    const builder = expectStatus(await app.http.get('/api/v1/agent-definitions/builder', as()), 200);
    // The seed's `meta_data` column (SQLAlchemy reserves `metadata`) is `metadata`.
    expect(builder).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      slug: 'builder',
      name: 'Builder',
      agent_type: 'builder',
      description: 'Code builder agent',
      capabilities: ['code', 'tasks'],
      config_schema: {
        type: 'object',
        properties: {
          repository: { type: 'string', minLength: 1 },
          branch: { type: 'string', maxLength: 100 },
        },
        required: ['repository'],
        additionalProperties: false,
      },
      metadata: {},
      is_enabled: true,
      is_loaded: true,
      source: MODULES[0],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const reviewer = expectStatus(await app.http.get('/api/v1/agent-definitions/reviewer', as()), 200);
    expect(reviewer).toMatchObject({
      slug: 'reviewer',
      agent_type: 'reviewer',
      description: 'Code review agent',
      capabilities: ['code', 'review'],
      metadata: { languages: ['typescript', 'python'] },
    });
  });

  it('serves the same global definitions to every workspace and every role', async () => {
    const readonly = await addMember(app.http, owner, 'readonly');
    const ours = expectStatus(await app.http.get('/api/v1/agent-definitions', as(readonly)), 200);
    const theirs = expectStatus(await app.http.get('/api/v1/agent-definitions', as(stranger)), 200);
    const idsOf = (definitions: { id: string }[]) => definitions.map((definition) => definition.id);
    expect(idsOf(theirs)).toEqual(idsOf(ours));
    expectError(await app.http.get('/api/v1/agent-definitions'), 401, 'authentication_error');
  });

  it('filters definitions by agent_type, capability and is_enabled, and pages them', async () => {
    const byType = await app.http.get('/api/v1/agent-definitions?agent_type=builder', as());
    expect(slugsOf(byType.body)).toEqual(['builder']);
    const code = await app.http.get('/api/v1/agent-definitions?capability=code&enabled_only=true', as());
    expect(slugsOf(code.body)).toEqual(['builder', 'reviewer']);
    const page = await app.http.get('/api/v1/agent-definitions?limit=2&offset=1', as());
    expect(slugsOf(page.body)).toEqual(['builder', 'conversational']);
    expect(page.headers.get('x-total-count')).toBe('7');
    expectError(await app.http.get('/api/v1/agent-definitions?limit=0', as()), 422, 'validation_error');
  });

  it('answers 404 for a definition nobody registered', async () => {
    expectError(await app.http.get('/api/v1/agent-definitions/my_agent', as()), 404, 'not_found');
  });
});

describe('seed 002 Registry Management: registry.spawn_instance and list_instances', () => {
  it('spawns an instance from a definition, in its workspace, with the columns of agent_instances', async () => {
    const instance = await spawn({
      name: 'Repo builder',
      kind: 'builder',
      settings: { repository: 'acme/api' },
    });
    // workspace_id is organization_id, definition_id the definition's slug (`kind`), config the
    // kind's `settings`, status and state the lifecycle `status` and `runtime` (docs/agent-kinds.md;
    // DESIGN 4, docs/decisions/0015-seed-adaptations.md §25).
    expect(instance).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      project_id: null,
      kind: 'builder',
      name: 'Repo builder',
      status: 'active',
      settings: { repository: 'acme/api' },
      runtime: { state: 'idle', last_heartbeat: null, last_error: null },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await readAgent(instance.id)).toMatchObject({
      kind: 'builder',
      settings: { repository: 'acme/api' },
    });
  });

  it('validates the instance’s settings against the definition’s config_schema (422 naming the path)', async () => {
    const missing = await app.http.post('/api/v1/agents', { kind: 'builder', settings: {} }, as());
    expectError(missing, 422, 'validation_error');
    expect(missing.body.validation_errors).toEqual([
      expect.objectContaining({ field: 'settings.repository' }),
    ]);
    const wrong = await app.http.post(
      '/api/v1/agents',
      { kind: 'builder', settings: { repository: 'acme/api', branch: 7, deploy: true } },
      as(),
    );
    expectError(wrong, 422, 'validation_error');
    expect(wrong.body.validation_errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'settings.branch',
      'settings.deploy',
    ]);
    const strictness = await app.http.post(
      '/api/v1/agents',
      { kind: 'reviewer', settings: { strictness: 'brutal' } },
      as(),
    );
    expect(strictness.body.validation_errors[0]).toMatchObject({
      field: 'settings.strictness',
      value: 'brutal',
    });
    // A change is checked too, and a refused one changes nothing.
    const instance = await spawn({ kind: 'reviewer', settings: { strictness: 'strict' } });
    expectError(
      await app.http.patch(`/api/v1/agents/${instance.id}`, { settings: { strictness: 'brutal' } }, as()),
      422,
      'validation_error',
    );
    expect(await readAgent(instance.id)).toMatchObject({ settings: { strictness: 'strict' }, version: 1 });
  });

  it('refuses to spawn from a definition that does not exist (422 naming kind and the slugs allowed)', async () => {
    const refused = await app.http.post('/api/v1/agents', { kind: 'my_agent' }, as());
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0]).toMatchObject({ field: 'kind', value: 'my_agent' });
    expect(refused.body.validation_errors[0].message).toContain('builder');
  });

  it('lists the instances of a definition in the workspace (list_instances)', async () => {
    const first = await spawn({ kind: 'builder', settings: { repository: 'acme/web' } });
    const second = await spawn({ kind: 'builder', settings: { repository: 'acme/app' }, status: 'inactive' });
    const theirs = await spawn({ kind: 'builder', settings: { repository: 'other/app' } }, stranger);
    const listed = expectStatus(await app.http.get('/api/v1/agents?kind=builder&limit=200', as()), 200);
    const ids = listed.map((agent: { id: string }) => agent.id);
    expect(ids).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(ids).not.toContain(theirs.id);
    for (const agent of listed)
      expect(agent).toMatchObject({ kind: 'builder', organization_id: owner.organizationId });
    // Inactive instances are listed by their status.
    const inactive = await app.http.get('/api/v1/agents?kind=builder&status=inactive', as());
    expect(inactive.body.map((agent: { id: string }) => agent.id)).toEqual([second.id]);
  });
});

describe('seed 002 lifecycle hooks (initialize, activate, deactivate, shutdown)', () => {
  it('initializes then activates a spawned instance before answering: it is never seen initializing', async () => {
    const instance = await spawn({ kind: 'recording', settings: { label: 'spawned' } });
    expect(hooksOf(instance.id)).toEqual(['initialize:active', 'activate:active']);
    // Seed 002's `initializing` is not observable: both hooks run before the creation commits.
    expect(instance).toMatchObject({ status: 'active', runtime: { state: 'idle' } });
    const dormant = await spawn({ kind: 'recording', status: 'inactive' });
    expect(hooksOf(dormant.id)).toEqual(['initialize:inactive']);
  });

  it('update_instance_status: deactivates when leaving active, activates when coming back', async () => {
    const instance = await spawn({ kind: 'recording' });
    const path = `/api/v1/agents/${instance.id}`;
    expectStatus(await app.http.patch(path, { temperature: 0.3 }, as()), 200);
    expect(expectStatus(await app.http.patch(path, { status: 'inactive' }, as()), 200).status).toBe(
      'inactive',
    );
    expect(expectStatus(await app.http.patch(path, { status: 'active' }, as()), 200).status).toBe('active');
    // deactivate sees the instance as it was, activate as it becomes; other changes run no hook.
    expect(hooksOf(instance.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'activate:active',
    ]);
  });

  it('shuts an instance down when it is deleted', async () => {
    const instance = await spawn({ kind: 'recording' });
    expect((await app.http.delete(`/api/v1/agents/${instance.id}`, as())).status).toBe(204);
    expect(hooksOf(instance.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'shutdown:active',
    ]);
    expectError(await app.http.get(`/api/v1/agents/${instance.id}`, as()), 404, 'not_found');
  });

  it('refuses a change whose hook fails (409), leaves the instance as it was, in error with last_error', async () => {
    const refusedSpawn = await app.http.post(
      '/api/v1/agents',
      { name: 'Never', kind: 'recording', settings: { fail_on: 'initialize' } },
      as(),
    );
    expectError(refusedSpawn, 409, 'agent_lifecycle_failed');
    expect(refusedSpawn.body.details).toMatchObject({ kind: 'recording', hook: 'initialize' });

    const instance = await spawn({
      kind: 'recording',
      status: 'inactive',
      settings: { fail_on: 'activate' },
    });
    const refused = await app.http.patch(`/api/v1/agents/${instance.id}`, { status: 'active' }, as());
    expectError(refused, 409, 'agent_lifecycle_failed');
    expect(refused.body.message).toContain('activate refused on purpose');
    const stored = await readAgent(instance.id);
    expect(stored).toMatchObject({ status: 'inactive', version: 1, runtime: { state: 'error' } });
    expect(stored.runtime.last_error).toContain('The recording kind failed to activate the agent');
    // Fixed, it activates and its runtime state returns to idle (last_error keeps the last error).
    expectStatus(await app.http.patch(`/api/v1/agents/${instance.id}`, { settings: {} }, as()), 200);
    const activated = expectStatus(
      await app.http.patch(`/api/v1/agents/${instance.id}`, { status: 'active' }, as()),
      200,
    );
    expect(activated).toMatchObject({ status: 'active', runtime: { state: 'idle' } });
  });
});
