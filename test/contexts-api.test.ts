import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream } from './support/event-stream.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Shared contexts over HTTP (seed 002 SharedContextService, docs/contexts.md): get-or-create by
 * name, every write an immutable version, reads at any retained version, rollback appending,
 * retention (AGENT_CONTEXT_HISTORY_LIMIT, small here), If-Match, concurrent writes, sharing,
 * organizations kept apart and bad input refused without losing anything.
 */
const HISTORY_LIMIT = 5;
let app: TestApp;
let owner: TestAccount;
let reader: TestAccount;
let user: TestAccount;
let stranger: TestAccount;

const as = (account: TestAccount, headers?: Record<string, string>) => ({
  token: account.token,
  ...(headers ? { headers } : {}),
});

async function createAgent(name: string, account = owner) {
  const response = await app.http.post('/api/v1/agents', { name }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function createContext(agentId: string, body: Record<string, unknown>, account = owner) {
  const response = await app.http.post(`/api/v1/agents/${agentId}/contexts`, body, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function write(contextId: string, data: Record<string, unknown>, headers?: Record<string, string>) {
  const response = await app.http.put(`/api/v1/contexts/${contextId}`, { data }, as(owner, headers));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const versionsOf = async (contextId: string, query = '') =>
  (await app.http.get(`/api/v1/contexts/${contextId}/versions${query}`, as(owner))).body;

beforeAll(async () => {
  app = await startTestApp({ AGENT_CONTEXT_HISTORY_LIMIT: String(HISTORY_LIMIT) });
  owner = await registerAccount(app.http, 'Contexts owner');
  reader = await addMember(app.http, owner, 'readonly');
  user = await addMember(app.http, owner, 'agent_user');
  stranger = await registerAccount(app.http, 'Stranger');
});
afterAll(() => app.close());

describe('seed 002: create, write, read at a version, rollback, list versions', () => {
  it('keeps every write as a version and rolls back by appending', async () => {
    const agentId = await createAgent('Planner');
    const created = await createContext(agentId, {
      name: '  shared_context ',
      data: { step: 1 },
      change_description: 'Opened',
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      project_id: null,
      agent_id: agentId,
      name: 'shared_context',
      version: 1,
      current_version: 1,
      data: { step: 1 },
      created_by_user_id: owner.userId,
      created_by_api_key_id: null,
      created_at: expect.any(String),
      updated_at: created.created_at,
    });

    // The same name again: the existing context, unchanged.
    const again = await app.http.post(
      `/api/v1/agents/${agentId}/contexts`,
      { name: 'shared_context', data: { step: 'ignored' } },
      as(owner),
    );
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created);

    expect(await write(created.id, { step: 2 })).toMatchObject({
      version: 2,
      current_version: 2,
      data: { step: 2 },
    });
    const third = await app.http.put(
      `/api/v1/contexts/${created.id}`,
      { data: { step: 3 }, change_description: 'Third step' },
      as(owner),
    );
    expect(third.headers.get('etag')).toBe('"3"');

    const atOne = await app.http.get(`/api/v1/contexts/${created.id}?version=1`, as(reader));
    expect(atOne.status).toBe(200);
    expect(atOne.body).toMatchObject({ version: 1, current_version: 3, data: { step: 1 } });
    expect(atOne.headers.get('etag')).toBe('"3"');
    const now = await app.http.get(`/api/v1/contexts/${created.id}`, as(user));
    expect(now.body).toMatchObject({ version: 3, current_version: 3, data: { step: 3 } });

    const rolledBack = await app.http.post(
      `/api/v1/contexts/${created.id}/rollback`,
      { version: 1, change_description: 'Back to the start' },
      as(owner),
    );
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    expect(rolledBack.body).toMatchObject({ version: 4, current_version: 4, data: { step: 1 } });
    expect(rolledBack.headers.get('etag')).toBe('"4"');

    const versions = await app.http.get(`/api/v1/contexts/${created.id}/versions`, as(reader));
    expect(versions.headers.get('x-total-count')).toBe('4');
    const author = { user_id: owner.userId, api_key_id: null, agent_id: null, run_id: null };
    expect(versions.body).toEqual([
      {
        context_id: created.id,
        version: 4,
        change_type: 'rollback',
        change_description: 'Back to the start',
        restored_version: 1,
        created_by: author,
        created_at: expect.any(String),
      },
      expect.objectContaining({ version: 3, change_type: 'write', change_description: 'Third step' }),
      expect.objectContaining({ version: 2, change_type: 'write', change_description: null }),
      expect.objectContaining({ version: 1, change_type: 'created', change_description: 'Opened' }),
    ]);
    const withData = await versionsOf(created.id, '?include_data=true&limit=2&offset=1');
    expect(withData.map((version: { data: unknown }) => version.data)).toEqual([{ step: 3 }, { step: 2 }]);
    // The original version 1 is still there: history is never rewritten.
    expect((await app.http.get(`/api/v1/contexts/${created.id}?version=1`, as(owner))).body.data).toEqual({
      step: 1,
    });
  });

  it('lists the agent’s contexts newest first, and rolls back with a default description', async () => {
    const agentId = await createAgent('Lister');
    const first = await createContext(agentId, { name: 'first', data: {} });
    const second = await createContext(agentId, { name: 'second', data: { a: 1 } });
    const listed = await app.http.get(`/api/v1/agents/${agentId}/contexts?limit=1`, as(reader));
    expect(listed.headers.get('x-total-count')).toBe('2');
    expect(listed.body).toEqual([
      {
        id: second.id,
        organization_id: owner.organizationId,
        project_id: null,
        owner_agent_id: agentId,
        name: 'second',
        current_version: 1,
        access: 'owner',
        created_at: second.created_at,
        updated_at: second.updated_at,
      },
    ]);
    await write(first.id, { b: 2 });
    await app.http.post(`/api/v1/contexts/${first.id}/rollback`, { version: 1 }, as(owner));
    const [latest] = await versionsOf(first.id);
    expect(latest).toMatchObject({
      version: 3,
      change_description: 'Rollback to version 1',
      restored_version: 1,
    });
  });
});

describe('retention (AGENT_CONTEXT_HISTORY_LIMIT)', () => {
  it('keeps the newest versions only, and says which when an older one is asked for', async () => {
    const agentId = await createAgent('Retainer');
    const context = await createContext(agentId, { name: 'log', data: { n: 1 } });
    for (let n = 2; n <= 8; n++) await write(context.id, { n });
    const versions = await versionsOf(context.id, '?include_data=true');
    expect(versions.map((version: { version: number }) => version.version)).toEqual([8, 7, 6, 5, 4]);
    expect(versions[0].data).toEqual({ n: 8 });

    const pruned = await app.http.get(`/api/v1/contexts/${context.id}?version=2`, as(owner));
    expectError(pruned, 404, 'not_found');
    expect(pruned.body.message).toBe(
      'Context version 2 is no longer retained: versions 4 to 8 are kept (AGENT_CONTEXT_HISTORY_LIMIT)',
    );
    expect(pruned.body.details).toEqual({ current_version: 8, oldest_retained_version: 4 });
    const future = await app.http.get(`/api/v1/contexts/${context.id}?version=9`, as(owner));
    expectError(future, 404, 'not_found');
    expect(future.body.message).toBe('Context version 9 does not exist: the context is at version 8');

    const refused = await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: 3 }, as(owner));
    expectError(refused, 404, 'not_found');
    // A rollback to a retained version works, and pushes the oldest out.
    const restored = await app.http.post(
      `/api/v1/contexts/${context.id}/rollback`,
      { version: 4 },
      as(owner),
    );
    expect(restored.body).toMatchObject({ version: 9, data: { n: 4 } });
    expect((await versionsOf(context.id)).map((version: { version: number }) => version.version)).toEqual([
      9, 8, 7, 6, 5,
    ]);
  });
});

describe('concurrency', () => {
  it('gives 20 concurrent writes 20 versions, none lost', async () => {
    const agentId = await createAgent('Busy');
    const context = await createContext(agentId, { name: 'counter', data: { writer: 0 } });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        app.http.put(`/api/v1/contexts/${context.id}`, { data: { writer: index + 1 } }, as(owner)),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const written = responses.map((response) => response.body.version as number).sort((a, b) => a - b);
    expect(written).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
    const current = await app.http.get(`/api/v1/contexts/${context.id}`, as(owner));
    expect(current.body.current_version).toBe(21);
    // Each retained version holds what the write that got its number sent.
    const byVersion = new Map(responses.map((response) => [response.body.version, response.body.data]));
    for (const version of await versionsOf(context.id, '?include_data=true')) {
      expect(version.data).toEqual(byVersion.get(version.version));
    }
  });

  it('creates a context once when the same name is asked for concurrently', async () => {
    const agentId = await createAgent('Racer');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        app.http.post(`/api/v1/agents/${agentId}/contexts`, { name: 'race', data: { by: index } }, as(owner)),
      ),
    );
    expect(responses.map((response) => response.status).sort((a, b) => a - b)).toEqual([
      ...Array(9).fill(200),
      201,
    ]);
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    const [winner] = responses.filter((response) => response.status === 201);
    for (const response of responses) expect(response.body.data).toEqual(winner?.body.data);
    expect(await versionsOf(winner?.body.id)).toHaveLength(1);
  });

  it('refuses a write whose If-Match is stale with 412 and the current version', async () => {
    const agentId = await createAgent('Careful');
    const context = await createContext(agentId, { name: 'plan', data: { v: 1 } });
    const etag = (await app.http.get(`/api/v1/contexts/${context.id}`, as(owner))).headers.get(
      'etag',
    ) as string;
    expect(etag).toBe('"1"');
    expect(await write(context.id, { v: 2 }, { 'if-match': etag })).toMatchObject({ version: 2 });
    const stale = await app.http.put(
      `/api/v1/contexts/${context.id}`,
      { data: { v: 'lost?' } },
      as(owner, { 'if-match': etag }),
    );
    expectError(stale, 412, 'version_conflict');
    expect(stale.body.details).toEqual({ current_version: 2 });
    const staleRollback = await app.http.post(
      `/api/v1/contexts/${context.id}/rollback`,
      { version: 1 },
      as(owner, { 'if-match': '1' }),
    );
    expectError(staleRollback, 412, 'version_conflict');
    // A bare number works as well as the ETag.
    expect(await write(context.id, { v: 3 }, { 'if-match': '2' })).toMatchObject({ version: 3 });
    expectError(
      await app.http.put(`/api/v1/contexts/${context.id}`, { data: {} }, as(owner, { 'if-match': 'v3' })),
      422,
      'validation_error',
    );
    expect((await app.http.get(`/api/v1/contexts/${context.id}`, as(owner))).body).toMatchObject({
      current_version: 3,
      data: { v: 3 },
    });
  });
});

describe('bad input', () => {
  it('refuses bad names, data and versions with a 4xx and loses nothing', async () => {
    const agentId = await createAgent('Strict');
    const context = await createContext(agentId, { name: 'kept', data: { safe: true } });
    const path = `/api/v1/agents/${agentId}/contexts`;
    for (const body of [
      { name: '   ', data: {} },
      { name: 'x'.repeat(256), data: {} },
      { name: 'line\nbreak', data: {} },
      { name: 'list', data: [1, 2] },
      { name: 'text', data: 'not an object' },
      { name: 'extra', data: {}, unexpected: true },
    ]) {
      expectError(await app.http.post(path, body, as(owner)), 422, 'validation_error');
    }
    expect((await createContext(agentId, { name: 'x'.repeat(255), data: {} })).name).toHaveLength(255);

    const huge = { text: 'x'.repeat(300 * 1024) };
    const tooLarge = await app.http.put(`/api/v1/contexts/${context.id}`, { data: huge }, as(owner));
    expectError(tooLarge, 413, 'payload_too_large');
    expect(tooLarge.body.message).toContain('at most 262144 (256 KB)');
    expectError(await app.http.post(path, { name: 'huge', data: huge }, as(owner)), 413, 'payload_too_large');
    for (const query of ['?version=0', '?version=abc']) {
      expectError(
        await app.http.get(`/api/v1/contexts/${context.id}${query}`, as(owner)),
        422,
        'validation_error',
      );
    }
    expectError(
      await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: -1 }, as(owner)),
      422,
      'validation_error',
    );
    expectError(await app.http.get('/api/v1/contexts/not-a-uuid', as(owner)), 422, 'validation_error');
    expectError(
      await app.http.get('/api/v1/contexts/01973f20-0000-7000-8000-000000000000', as(owner)),
      404,
      'not_found',
    );

    const after = await app.http.get(`/api/v1/contexts/${context.id}`, as(owner));
    expect(after.body).toMatchObject({ current_version: 1, data: { safe: true } });
    const listed = await app.http.get(path, as(owner));
    expect(listed.body.map((item: { name: string }) => item.name).sort()).toEqual(['kept', 'x'.repeat(255)]);
  });
});

describe('deletion', () => {
  it('deletes a context with its versions and shares', async () => {
    const agentId = await createAgent('Deleter');
    const other = await createAgent('Other');
    const context = await createContext(agentId, { name: 'temporary', data: {} });
    await write(context.id, { more: true });
    await app.http.put(`/api/v1/contexts/${context.id}/shares/${other}`, { access: 'read' }, as(owner));
    const deleted = await app.http.delete(`/api/v1/contexts/${context.id}`, as(owner));
    expect(deleted.status).toBe(204);
    expectError(await app.http.get(`/api/v1/contexts/${context.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/contexts/${context.id}/versions`, as(owner)), 404, 'not_found');
    expect((await app.http.get(`/api/v1/agents/${other}/contexts`, as(owner))).body).toEqual([]);
    expectError(await app.http.delete(`/api/v1/contexts/${context.id}`, as(owner)), 404, 'not_found');
  });

  it('hides the contexts of a deleted agent', async () => {
    const agentId = await createAgent('Departing');
    const context = await createContext(agentId, { name: 'orphan', data: {} });
    expect((await app.http.delete(`/api/v1/agents/${agentId}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/contexts/${context.id}`, as(owner)), 404, 'not_found');
  });
});

describe('sharing', () => {
  it('shares read or read_write with another agent of the organization, and stops sharing', async () => {
    const ownerAgent = await createAgent('Sharer');
    const partner = await createAgent('Partner');
    const context = await createContext(ownerAgent, { name: 'handover', data: { ready: true } });
    const shared = await app.http.put(
      `/api/v1/contexts/${context.id}/shares/${partner}`,
      { access: 'read' },
      as(owner),
    );
    expect(shared.status, JSON.stringify(shared.body)).toBe(200);
    expect(shared.body).toEqual({
      context_id: context.id,
      agent_id: partner,
      access: 'read',
      created_at: expect.any(String),
    });
    const partnerList = await app.http.get(`/api/v1/agents/${partner}/contexts`, as(reader));
    expect(partnerList.body).toEqual([
      expect.objectContaining({
        id: context.id,
        owner_agent_id: ownerAgent,
        access: 'read',
        name: 'handover',
      }),
    ]);
    const upgraded = await app.http.put(
      `/api/v1/contexts/${context.id}/shares/${partner}`,
      { access: 'read_write' },
      as(owner),
    );
    expect(upgraded.body).toMatchObject({ access: 'read_write', created_at: shared.body.created_at });
    const shares = await app.http.get(`/api/v1/contexts/${context.id}/shares`, as(reader));
    expect(shares.headers.get('x-total-count')).toBe('1');
    expect(shares.body).toEqual([upgraded.body]);
    expect((await app.http.get(`/api/v1/agents/${partner}/contexts`, as(owner))).body[0].access).toBe(
      'read_write',
    );

    expect(
      (await app.http.delete(`/api/v1/contexts/${context.id}/shares/${partner}`, as(owner))).status,
    ).toBe(204);
    expect((await app.http.get(`/api/v1/agents/${partner}/contexts`, as(owner))).body).toEqual([]);
    expectError(
      await app.http.delete(`/api/v1/contexts/${context.id}/shares/${partner}`, as(owner)),
      404,
      'not_found',
    );
  });

  it('refuses a share with the owner, an unknown agent or another organization’s agent', async () => {
    const ownerAgent = await createAgent('Careful sharer');
    const context = await createContext(ownerAgent, { name: 'private', data: {} });
    const sharePath = (agentId: string) => `/api/v1/contexts/${context.id}/shares/${agentId}`;
    expectError(
      await app.http.put(sharePath(ownerAgent), { access: 'read' }, as(owner)),
      422,
      'validation_error',
    );
    expectError(
      await app.http.put(sharePath('01973f20-0000-7000-8000-000000000000'), { access: 'read' }, as(owner)),
      404,
      'not_found',
    );
    const foreign = await createAgent('Foreign', stranger);
    expectError(
      await app.http.put(sharePath(foreign), { access: 'read' }, as(owner)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.put(sharePath(foreign), { access: 'admin' }, as(owner)),
      422,
      'validation_error',
    );
    expect((await app.http.get(`/api/v1/contexts/${context.id}/shares`, as(owner))).body).toEqual([]);
  });
});

describe('permissions and organizations', () => {
  it('lets readers read and only agent admins write', async () => {
    const agentId = await createAgent('Guarded');
    const context = await createContext(agentId, { name: 'guarded', data: { v: 1 } });
    for (const account of [reader, user]) {
      expect((await app.http.get(`/api/v1/contexts/${context.id}`, as(account))).status).toBe(200);
      expectError(
        await app.http.put(`/api/v1/contexts/${context.id}`, { data: { v: 2 } }, as(account)),
        403,
        'authorization_error',
      );
      expectError(
        await app.http.post(`/api/v1/agents/${agentId}/contexts`, { name: 'mine', data: {} }, as(account)),
        403,
        'authorization_error',
      );
    }
    expect((await app.http.get(`/api/v1/contexts/${context.id}`, as(owner))).body.current_version).toBe(1);
  });

  it('keeps another organization out (403) and its lists empty of ours', async () => {
    const agentId = await createAgent('Secretive');
    const context = await createContext(agentId, { name: 'secret', data: { code: 4711 } });
    const foreignAgent = await createAgent('Nosy', stranger);
    const intruder = as(stranger);
    for (const response of [
      await app.http.get(`/api/v1/contexts/${context.id}`, intruder),
      await app.http.get(`/api/v1/contexts/${context.id}/versions`, intruder),
      await app.http.get(`/api/v1/contexts/${context.id}/shares`, intruder),
      await app.http.put(`/api/v1/contexts/${context.id}`, { data: { code: 0 } }, intruder),
      await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: 1 }, intruder),
      await app.http.put(
        `/api/v1/contexts/${context.id}/shares/${foreignAgent}`,
        { access: 'read' },
        intruder,
      ),
      await app.http.delete(`/api/v1/contexts/${context.id}`, intruder),
      await app.http.get(`/api/v1/agents/${agentId}/contexts`, intruder),
      await app.http.post(`/api/v1/agents/${agentId}/contexts`, { name: 'secret', data: {} }, intruder),
    ]) {
      expectError(response, 403, 'authorization_error');
    }
    expect((await app.http.get(`/api/v1/agents/${foreignAgent}/contexts`, intruder)).body).toEqual([]);
    // The same name in another organization is another context.
    const theirs = await createContext(foreignAgent, { name: 'secret', data: {} }, stranger);
    expect(theirs.id).not.toBe(context.id);
    expect((await app.http.get(`/api/v1/contexts/${context.id}`, as(owner))).body).toMatchObject({
      current_version: 1,
      data: { code: 4711 },
    });
    expect((await app.http.get(`/api/v1/contexts/${context.id}/shares`, as(owner))).body).toEqual([]);
  });
});

describe('projects', () => {
  it('copies the agent’s project, and keeps a project’s key to that project’s contexts', async () => {
    const project = await app.http.post('/api/v1/projects', { name: 'Billing' }, as(owner));
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const inProject = await app.http.post(
      '/api/v1/agents',
      { name: 'Billing agent', project_id: project.body.id },
      as(owner),
    );
    expect(inProject.status, JSON.stringify(inProject.body)).toBe(201);
    const projectContext = await createContext(inProject.body.id, { name: 'ledger', data: {} });
    expect(projectContext.project_id).toBe(project.body.id);
    const outside = await createContext(await createAgent('Org-wide'), { name: 'ledger', data: {} });
    expect(outside.project_id).toBeNull();

    const key = await app.http.post(
      '/api/v1/api-keys',
      { name: 'Billing key', role: 'agent_admin', project_id: project.body.id },
      as(owner),
    );
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const projectKey = { token: key.body.key as string };
    expect((await app.http.get(`/api/v1/contexts/${projectContext.id}`, projectKey)).status).toBe(200);
    expect(
      (await app.http.put(`/api/v1/contexts/${projectContext.id}`, { data: { paid: true } }, projectKey))
        .status,
    ).toBe(200);
    expectError(await app.http.get(`/api/v1/contexts/${outside.id}`, projectKey), 403, 'authorization_error');
    expectError(
      await app.http.put(`/api/v1/contexts/${outside.id}`, { data: { paid: true } }, projectKey),
      403,
      'authorization_error',
    );
    expect((await app.http.get(`/api/v1/contexts/${outside.id}`, as(owner))).body.current_version).toBe(1);
  });
});

describe('events', () => {
  it('publishes context-updated for every new version', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    try {
      expect(stream.response.status).toBe(200);
      const agentId = await createAgent('Announcer');
      const context = await createContext(agentId, { name: 'news', data: {} });
      await write(context.id, { headline: 'written' });
      await app.http.post(`/api/v1/contexts/${context.id}/rollback`, { version: 1 }, as(owner));
      const updates = () =>
        stream.events
          .filter((event) => event.type === 'context-updated' && event.data.context_id === context.id)
          .map((event) => event.data);
      await expect.poll(() => updates().length).toBe(3);
      expect(updates()).toEqual(
        [1, 2, 3].map((version) => ({ context_id: context.id, agent_id: agentId, version })),
      );
    } finally {
      stream.close();
    }
  });
});
