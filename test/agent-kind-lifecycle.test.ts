import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordedCall, recordedCalls } from './fixtures/agent-kinds/recording-kind.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The lifecycle hooks of an agent's kind (docs/agent-kinds.md, Lifecycle), through the fixture kind
 * `recording`: its hooks record their calls, and the one its settings' `fail_on` names throws.
 */
let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  app = await startTestApp({ AGENT_REGISTRY_MODULES: './test/fixtures/agent-kinds/recording-kind.ts' });
  owner = await registerAccount(app.http);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });

/** The hooks called on one agent, in order, with the status each saw. */
const callsOf = (agentId: string) =>
  recordedCalls()
    .filter((call: RecordedCall) => call.agent.id === agentId)
    .map((call) => `${call.hook}:${call.agent.status}`);

async function createRecording(body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Recorder', kind: 'recording', ...body },
    as(),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function agentCount() {
  const response = await app.http.get('/api/v1/agents?limit=1&kind=recording', as());
  return Number(response.headers.get('x-total-count'));
}

describe('hooks of an agent’s kind', () => {
  it('initializes and activates on create, with the agent as created', async () => {
    const agent = await createRecording({ settings: { label: 'first' } });
    expect(callsOf(agent.id)).toEqual(['initialize:active', 'activate:active']);
    const [initialize] = recordedCalls().filter((call) => call.agent.id === agent.id);
    expect(initialize?.agent).toEqual({
      id: agent.id,
      organizationId: owner.organizationId,
      name: 'Recorder',
      settings: { label: 'first' },
      status: 'active',
    });
    expect(agent).toMatchObject({
      kind: 'recording',
      settings: { label: 'first' },
      runtime: { state: 'idle' },
    });
  });

  it('only initializes an agent created inactive', async () => {
    const agent = await createRecording({ status: 'inactive' });
    expect(callsOf(agent.id)).toEqual(['initialize:inactive']);
  });

  it('deactivates when leaving active, activates when coming back, runs nothing for other changes', async () => {
    const agent = await createRecording();
    await app.http.patch(`/api/v1/agents/${agent.id}`, { temperature: 0.2 }, as());
    const inactive = await app.http.patch(`/api/v1/agents/${agent.id}`, { status: 'inactive' }, as());
    expect(inactive.status).toBe(200);
    const active = await app.http.patch(`/api/v1/agents/${agent.id}`, { is_active: true }, as());
    expect(active.body.status).toBe('active');
    await app.http.patch(`/api/v1/agents/${agent.id}`, { status: 'archived' }, as());
    // deactivate sees the agent as it was (active), activate as it becomes.
    expect(callsOf(agent.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'activate:active',
      'deactivate:active',
    ]);
  });

  it('deactivates and shuts down on delete', async () => {
    const agent = await createRecording();
    const deleted = await app.http.delete(`/api/v1/agents/${agent.id}`, as());
    expect(deleted.status).toBe(204);
    expect(callsOf(agent.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'shutdown:active',
    ]);
    const inactive = await createRecording({ status: 'inactive' });
    await app.http.delete(`/api/v1/agents/${inactive.id}`, as());
    expect(callsOf(inactive.id)).toEqual(['initialize:inactive', 'shutdown:inactive']);
  });

  it('leaves the old kind and enters the new one when the kind changes', async () => {
    const agent = await createRecording();
    const switched = await app.http.patch(
      `/api/v1/agents/${agent.id}`,
      { kind: 'workflow', settings: { max_parallel: 2 } },
      as(),
    );
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body).toMatchObject({ kind: 'workflow', settings: { max_parallel: 2 }, version: 2 });
    expect(callsOf(agent.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'shutdown:active',
    ]);
  });
});

describe('a hook that fails', () => {
  it('refuses a creation with 409 and stores nothing; a failed activate undoes initialize', async () => {
    const before = await agentCount();
    const calls = recordedCalls().length;
    const refused = await app.http.post(
      '/api/v1/agents',
      { name: 'Never', kind: 'recording', settings: { fail_on: 'activate' } },
      as(),
    );
    expectError(refused, 409, 'agent_lifecycle_failed');
    expect(refused.body.message).toContain('activate refused on purpose');
    expect(refused.body.details).toMatchObject({ kind: 'recording', hook: 'activate' });
    expect(await agentCount()).toBe(before);
    expect(
      recordedCalls()
        .slice(calls)
        .map((call) => call.hook),
    ).toEqual(['initialize', 'activate', 'shutdown']);
    const initializeRefused = await app.http.post(
      '/api/v1/agents',
      { name: 'Never', kind: 'recording', settings: { fail_on: 'initialize' } },
      as(),
    );
    expectError(initializeRefused, 409, 'agent_lifecycle_failed');
    expect(await agentCount()).toBe(before);
  });

  it('leaves an agent it refused to activate inactive, in runtime state error, until an activation succeeds', async () => {
    const agent = await createRecording({ status: 'inactive', settings: { fail_on: 'activate' } });
    const refused = await app.http.patch(
      `/api/v1/agents/${agent.id}`,
      { status: 'active', tone: 'warm' },
      as(),
    );
    expectError(refused, 409, 'agent_lifecycle_failed');
    const stored = await app.http.get(`/api/v1/agents/${agent.id}`, as());
    expect(stored.body).toMatchObject({ status: 'inactive', version: 1, tone: null });
    expect(stored.body.runtime.state).toBe('error');
    expect(stored.body.runtime.last_error).toContain('The recording kind failed to activate the agent');
    const history = await app.http.get(`/api/v1/agents/${agent.id}/history`, as());
    expect(history.body).toHaveLength(1);

    const fixed = await app.http.patch(`/api/v1/agents/${agent.id}`, { settings: {} }, as());
    expect(fixed.body).toMatchObject({ version: 2, runtime: { state: 'error' } });
    const activated = await app.http.patch(`/api/v1/agents/${agent.id}`, { status: 'active' }, as());
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'active', runtime: { state: 'idle' } });
  });

  it('keeps an agent active when deactivate fails, and undeleted when shutdown fails', async () => {
    const deactivating = await createRecording({ settings: { fail_on: 'deactivate' } });
    expectError(
      await app.http.patch(`/api/v1/agents/${deactivating.id}`, { status: 'inactive' }, as()),
      409,
      'agent_lifecycle_failed',
    );
    const stillActive = await app.http.get(`/api/v1/agents/${deactivating.id}`, as());
    expect(stillActive.body).toMatchObject({ status: 'active', runtime: { state: 'error' } });

    const shuttingDown = await createRecording({ settings: { fail_on: 'shutdown' } });
    expectError(
      await app.http.delete(`/api/v1/agents/${shuttingDown.id}`, as()),
      409,
      'agent_lifecycle_failed',
    );
    const kept = await app.http.get(`/api/v1/agents/${shuttingDown.id}`, as());
    expect(kept.body).toMatchObject({ status: 'active', runtime: { state: 'error' } });
    expect(kept.body.runtime.last_error).toContain('shutdown refused on purpose');
    // The deactivate that ran before the failed shutdown was undone.
    expect(callsOf(shuttingDown.id)).toEqual([
      'initialize:active',
      'activate:active',
      'deactivate:active',
      'shutdown:active',
      'activate:active',
    ]);
  });
});
