import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { expectStatus, spawnInstance } from './support/seed-002.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 002's "Context Management" (SharedContextService) and its workspace/project
 * isolation through the API (docs/contexts.md, docs/projects.md): get-or-create by name, writes
 * appending versions, reads at a version, rollback appending a version equal to its target,
 * version history, AGENT_CONTEXT_HISTORY_LIMIT, and contexts kept within their organization and
 * project. The seed's workspace is an organization, its project a project of it (DESIGN 9
 * "tenant name").
 */
/** Small, so that pruning shows after a few writes (the seed's example is 50). */
const HISTORY_LIMIT = 10;
let app: TestApp;
/** The seed's workspace: an organization. */
let owner: TestAccount;
/** Another workspace. */
let stranger: TestAccount;

beforeAll(async () => {
  app = await startTestApp({ AGENT_CONTEXT_HISTORY_LIMIT: String(HISTORY_LIMIT) });
  owner = await registerAccount(app.http, 'Seed 002 owner');
  stranger = await registerAccount(app.http, 'Another workspace');
});
afterAll(() => app.close());

function as(account: TestAccount = owner) {
  return { token: account.token };
}
const spawn = (body: Record<string, unknown>, account = owner) => spawnInstance(app.http, account, body);

/**
 * service.get_or_create_context(instance_id, name): Agentry takes the data of version 1 with it
 * (adapted: docs/decisions/0015-seed-adaptations.md §16).
 */
async function getOrCreateContext(agentId: string, name: string, data: object = {}, account = owner) {
  return app.http.post(`/api/v1/agents/${agentId}/contexts`, { name, data }, as(account));
}

/** service.write_context(context_id, data, change_description). */
async function writeContext(
  contextId: string,
  data: object,
  changeDescription?: string,
  account: { token: string } = as(),
) {
  return expectStatus(
    await app.http.put(
      `/api/v1/contexts/${contextId}`,
      { data, ...(changeDescription ? { change_description: changeDescription } : {}) },
      account,
    ),
    200,
  );
}

const versionNumbers = async (contextId: string) =>
  (
    expectStatus(await app.http.get(`/api/v1/contexts/${contextId}/versions`, as()), 200) as {
      version: number;
    }[]
  ).map((version) => version.version);

describe('seed 002 Context Management', () => {
  let instanceId: string;
  let contextId: string;

  beforeAll(async () => {
    instanceId = (await spawn({ name: 'Context owner' })).id;
  });

  it('get_or_create_context: creates "shared_context" at version 1, then returns the same one', async () => {
    const created = await getOrCreateContext(instanceId, 'shared_context');
    expect(expectStatus(created, 201)).toMatchObject({
      organization_id: owner.organizationId,
      project_id: null,
      agent_id: instanceId,
      name: 'shared_context',
      version: 1,
      current_version: 1,
      data: {},
    });
    contextId = created.body.id;
    const again = await getOrCreateContext(instanceId, 'shared_context', { ignored: true });
    expect(expectStatus(again, 200)).toEqual(created.body);
  });

  it('get_or_create_context with the name alone (as the seed calls it) starts from an empty document', async () => {
    const nameOnly = await app.http.post(`/api/v1/agents/${instanceId}/contexts`, { name: 'bare' }, as());
    expect(expectStatus(nameOnly, 201)).toMatchObject({ name: 'bare', current_version: 1, data: {} });
  });

  it('write_context: {"key": "value"} "Updated via API" appends version 2', async () => {
    const written = await writeContext(contextId, { key: 'value' }, 'Updated via API');
    expect(written).toMatchObject({ version: 2, current_version: 2, data: { key: 'value' } });
    for (let step = 3; step <= 6; step++) await writeContext(contextId, { key: 'value', step });
    const current = await app.http.get(`/api/v1/contexts/${contextId}`, as());
    expect(expectStatus(current, 200)).toMatchObject({ version: 6, data: { key: 'value', step: 6 } });
    expect(current.headers.get('etag')).toBe('"6"');
  });

  it('read_context(version=5): the data as it was at version 5', async () => {
    const atFive = await app.http.get(`/api/v1/contexts/${contextId}?version=5`, as());
    expect(expectStatus(atFive, 200)).toMatchObject({
      version: 5,
      current_version: 6,
      data: { key: 'value', step: 5 },
    });
  });

  it('rollback_to_version(target_version=3): appends version 7 equal to version 3, history kept', async () => {
    const rolledBack = await app.http.post(`/api/v1/contexts/${contextId}/rollback`, { version: 3 }, as());
    expect(expectStatus(rolledBack, 200)).toMatchObject({
      version: 7,
      current_version: 7,
      data: { key: 'value', step: 3 },
    });
    // History is never rewritten: versions 4 to 6 are still there and unchanged.
    expect(await versionNumbers(contextId)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const atFive = await app.http.get(`/api/v1/contexts/${contextId}?version=5`, as());
    expect(atFive.body.data).toEqual({ key: 'value', step: 5 });
  });

  it('rollback state: a rollback succeeds whole, or fails and writes nothing', async () => {
    // DESIGN 4 (docs/decisions/0015-seed-adaptations.md §25).
    // Seed 002 tracks rollback_pointer and rollback_state (pending, success, failed) on the
    // context. Agentry's rollback is one transaction: the version it appends names its source
    // (`restored_version`, the pointer); success is that version; a failure (unknown or pruned
    // version: 404, stale If-Match: 412) leaves the context as it was. `pending` is never seen.
    const [latest] = expectStatus(
      await app.http.get(`/api/v1/contexts/${contextId}/versions?limit=1`, as()),
      200,
    );
    expect(latest).toMatchObject({
      version: 7,
      change_type: 'rollback',
      restored_version: 3,
      change_description: 'Rollback to version 3',
    });
    expectError(
      await app.http.post(`/api/v1/contexts/${contextId}/rollback`, { version: 42 }, as()),
      404,
      'not_found',
    );
    const stale = await app.http.post(
      `/api/v1/contexts/${contextId}/rollback`,
      { version: 2 },
      { ...as(), headers: { 'if-match': '"6"' } },
    );
    expectError(stale, 412, 'version_conflict');
    expect(stale.body.details).toEqual({ current_version: 7 });
    expect((await app.http.get(`/api/v1/contexts/${contextId}`, as())).body).toMatchObject({
      current_version: 7,
      data: { key: 'value', step: 3 },
    });
  });

  it('list_versions: every version newest first, with its description, author and, on request, data', async () => {
    const versions = await app.http.get(`/api/v1/contexts/${contextId}/versions?include_data=true`, as());
    expect(versions.headers.get('x-total-count')).toBe('7');
    // The seed's created_by (a string) is who wrote it: the user or API key, or the agent and run
    // (DESIGN 4; docs/decisions/0015-seed-adaptations.md §25).
    const author = { user_id: owner.userId, api_key_id: null, agent_id: null, run_id: null };
    expect(versions.body.at(-2)).toEqual({
      context_id: contextId,
      version: 2,
      change_type: 'write',
      change_description: 'Updated via API',
      restored_version: null,
      created_by: author,
      created_at: expect.any(String),
      data: { key: 'value' },
    });
    expect(versions.body.at(-1)).toMatchObject({ version: 1, change_type: 'created', data: {} });
  });

  it('keeps one context per instance and name; another instance has its own of the same name', async () => {
    const other = await spawn({ name: 'Second instance' });
    const theirs = expectStatus(await getOrCreateContext(other.id, 'shared_context', { mine: true }), 201);
    expect(theirs.id).not.toBe(contextId);
    const listed = expectStatus(await app.http.get(`/api/v1/agents/${instanceId}/contexts`, as()), 200);
    const shared = listed.filter((context: { name: string }) => context.name === 'shared_context');
    expect(shared.map((context: { id: string }) => context.id)).toEqual([contextId]);
  });

  it('AGENT_CONTEXT_HISTORY_LIMIT: keeps the newest versions only, and says so for older ones', async () => {
    const context = expectStatus(await getOrCreateContext(instanceId, 'pruned', { n: 1 }), 201);
    for (let n = 2; n <= HISTORY_LIMIT + 3; n++) await writeContext(context.id, { n });
    expect(await versionNumbers(context.id)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    const pruned = await app.http.get(`/api/v1/contexts/${context.id}?version=3`, as());
    expectError(pruned, 404, 'not_found');
    expect(pruned.body.message).toBe(
      'Context version 3 is no longer retained: versions 4 to 13 are kept (AGENT_CONTEXT_HISTORY_LIMIT)',
    );
    expectError(
      await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: 1 }, as()),
      404,
      'not_found',
    );
    const restored = await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: 4 }, as());
    expect(expectStatus(restored, 200)).toMatchObject({ version: 14, data: { n: 4 } });
    expect((await versionNumbers(context.id)).at(-1)).toBe(5);
  });

  it('FK integrity: the contexts of a deleted instance go with it', async () => {
    const doomed = await spawn({ name: 'Doomed' });
    const context = expectStatus(await getOrCreateContext(doomed.id, 'notes', { a: 1 }), 201);
    expect((await app.http.delete(`/api/v1/agents/${doomed.id}`, as())).status).toBe(204);
    expectError(await app.http.get(`/api/v1/contexts/${context.id}`, as()), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/contexts/${context.id}/versions`, as()), 404, 'not_found');
  });

  it('refuses bad input with a 4xx and writes nothing', async () => {
    const path = `/api/v1/agents/${instanceId}/contexts`;
    for (const body of [
      { name: '', data: {} },
      { name: 'list', data: [{ key: 'value' }] },
      { name: 'scoped', data: {}, workspace_id: owner.organizationId },
    ]) {
      expectError(await app.http.post(path, body, as()), 422, 'validation_error');
    }
    expectError(await app.http.get(`/api/v1/contexts/${contextId}?version=0`, as()), 422, 'validation_error');
    expectError(
      await app.http.put(`/api/v1/contexts/${contextId}`, { data: 'value' }, as()),
      422,
      'validation_error',
    );
    expectError(
      await app.http.post(`/api/v1/contexts/${contextId}/rollback`, { target_version: 3 }, as()),
      422,
      'validation_error',
    );
    expect((await app.http.get(`/api/v1/contexts/${contextId}`, as())).body.current_version).toBe(7);
  });
});

describe('seed 002 workspace/project isolation', () => {
  let projectId: string;
  let otherProjectId: string;
  let projectKey: { token: string };
  let projectAgent: string;
  let projectContext: string;
  let otherContext: string;
  let workspaceContext: string;

  beforeAll(async () => {
    const [one, two] = await Promise.all(
      ['Builds', 'Reviews'].map(async (name) =>
        expectStatus(await app.http.post('/api/v1/projects', { name }, as()), 201),
      ),
    );
    projectId = one.id;
    otherProjectId = two.id;
    const key = await app.http.post(
      '/api/v1/api-keys',
      { name: 'Builds key', role: 'agent_admin', project_id: projectId },
      as(),
    );
    projectKey = { token: expectStatus(key, 201).key };
    projectAgent = (await spawn({ name: 'Project builder', project_id: projectId })).id;
    const otherAgent = (await spawn({ name: 'Project reviewer', project_id: otherProjectId })).id;
    const workspaceAgent = (await spawn({ name: 'Workspace agent' })).id;
    projectContext = expectStatus(await getOrCreateContext(projectAgent, 'shared_context', { v: 1 }), 201).id;
    otherContext = expectStatus(await getOrCreateContext(otherAgent, 'shared_context', { v: 1 }), 201).id;
    workspaceContext = expectStatus(
      await getOrCreateContext(workspaceAgent, 'shared_context', { v: 1 }),
      201,
    ).id;
  });

  it('keeps another workspace out of a context: read, write, rollback, versions, list (403)', async () => {
    const intruder = as(stranger);
    for (const response of [
      await app.http.get(`/api/v1/contexts/${workspaceContext}`, intruder),
      await app.http.get(`/api/v1/contexts/${workspaceContext}?version=1`, intruder),
      await app.http.put(`/api/v1/contexts/${workspaceContext}`, { data: { v: 0 } }, intruder),
      await app.http.post(`/api/v1/contexts/${workspaceContext}/rollback`, { version: 1 }, intruder),
      await app.http.get(`/api/v1/contexts/${workspaceContext}/versions`, intruder),
      await app.http.get(`/api/v1/agents/${projectAgent}/contexts`, intruder),
      await app.http.post(`/api/v1/agents/${projectAgent}/contexts`, { name: 'x', data: {} }, intruder),
      await app.http.get(`/api/v1/agents/${projectAgent}`, intruder),
    ]) {
      expectError(response, 403, 'authorization_error');
    }
    expect((await app.http.get(`/api/v1/contexts/${workspaceContext}`, as())).body.current_version).toBe(1);
  });

  it('gives a context the project of its instance', async () => {
    expect((await app.http.get(`/api/v1/contexts/${projectContext}`, as())).body.project_id).toBe(projectId);
    expect((await app.http.get(`/api/v1/contexts/${otherContext}`, as())).body.project_id).toBe(
      otherProjectId,
    );
    expect((await app.http.get(`/api/v1/contexts/${workspaceContext}`, as())).body.project_id).toBeNull();
  });

  it('moves an instance’s contexts with it to another project', async () => {
    const mover = (await spawn({ name: 'Mover', project_id: projectId })).id;
    const context = expectStatus(await getOrCreateContext(mover, 'handover', { v: 1 }), 201);
    expect(
      expectStatus(await app.http.get(`/api/v1/contexts/${context.id}`, projectKey), 200).project_id,
    ).toBe(projectId);
    expectStatus(await app.http.patch(`/api/v1/agents/${mover}`, { project_id: otherProjectId }, as()), 200);
    expect((await app.http.get(`/api/v1/contexts/${context.id}`, as())).body.project_id).toBe(otherProjectId);
    expectError(await app.http.get(`/api/v1/contexts/${context.id}`, projectKey), 403, 'authorization_error');
  });

  it('a project-scoped key lists and spawns instances of its project only', async () => {
    const listed = expectStatus(await app.http.get('/api/v1/agents?limit=200', projectKey), 200);
    expect(listed.map((agent: { id: string }) => agent.id)).toEqual([projectAgent]);
    const spawned = expectStatus(
      await app.http.post(
        '/api/v1/agents',
        { name: 'Scoped', kind: 'workflow', settings: { max_parallel: 2 } },
        projectKey,
      ),
      201,
    );
    expect(spawned.project_id).toBe(projectId);
    expectError(
      await app.http.post('/api/v1/agents', { name: 'Elsewhere', project_id: otherProjectId }, projectKey),
      403,
      'authorization_error',
    );
    // A project of another workspace is no project of this one (the seed's composite foreign key).
    const foreignProject = expectStatus(
      await app.http.post('/api/v1/projects', { name: 'Theirs' }, as(stranger)),
      201,
    );
    const refused = await app.http.post(
      '/api/v1/agents',
      { name: 'Crossing', project_id: foreignProject.id },
      as(),
    );
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0].field).toBe('project_id');
  });

  it('a project-scoped key writes and rolls back its project’s contexts, and no other', async () => {
    expect(await writeContext(projectContext, { v: 2 }, 'From the project key', projectKey)).toMatchObject({
      version: 2,
    });
    const rolledBack = await app.http.post(
      `/api/v1/contexts/${projectContext}/rollback`,
      { version: 1 },
      projectKey,
    );
    expect(expectStatus(rolledBack, 200)).toMatchObject({ version: 3, data: { v: 1 } });
    for (const other of [otherContext, workspaceContext]) {
      for (const response of [
        await app.http.get(`/api/v1/contexts/${other}`, projectKey),
        await app.http.put(`/api/v1/contexts/${other}`, { data: { v: 9 } }, projectKey),
        await app.http.post(`/api/v1/contexts/${other}/rollback`, { version: 1 }, projectKey),
        await app.http.get(`/api/v1/contexts/${other}/versions`, projectKey),
      ]) {
        expectError(response, 403, 'authorization_error');
      }
      expect((await app.http.get(`/api/v1/contexts/${other}`, as())).body).toMatchObject({
        current_version: 1,
        data: { v: 1 },
      });
    }
  });
});
