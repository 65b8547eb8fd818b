import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The memory API (docs/memory.md): adding, reading, changing and deleting what agents remember,
 * its filters and pagination, its refusals (nothing lost), the roles that may use it, the
 * namespaces of two agents and two organizations kept apart, and forgetting an end user.
 */
const UNKNOWN_ID = '01973e40-0000-7000-8000-000000000000';

let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(name: string, account = owner): Promise<string> {
  const response = await app.http.post('/api/v1/agents', { name }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

async function remember(agentId: string, body: Record<string, unknown>, account = owner) {
  const response = await app.http.post(`/api/v1/agents/${agentId}/memories`, body, as(account));
  expect([200, 201], JSON.stringify(response.body)).toContain(response.status);
  return response.body;
}

async function startSession(agentId: string, userId?: string): Promise<string> {
  const response = await app.http.post('/api/v1/sessions', { agent_id: agentId, user_id: userId }, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

const list = (agentId: string, query = '', account = owner) =>
  app.http.get(`/api/v1/agents/${agentId}/memories${query}`, as(account));
const contentsOf = (body: { content: string }[]) => body.map((memory) => memory.content).sort();

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Memory owner');
  member = await addMember(app.http, owner, 'agent_user');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Memory stranger');
});
afterAll(() => app.close());

describe('adding, reading, changing and deleting memories', () => {
  it('stores a memory (201), reinforces a restatement (200), reads, changes and deletes it', async () => {
    const agentId = await createAgent('Concierge');
    const created = await app.http.post(
      `/api/v1/agents/${agentId}/memories`,
      {
        content: 'The office closes at 6 pm on Fridays.',
        kind: 'fact',
        scope: 'agent',
        metadata: { from: 'ops' },
      },
      as(owner),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      agent_id: agentId,
      organization_id: owner.organizationId,
      namespace: `${owner.organizationId}:${agentId}`,
      scope: 'agent',
      user_id: null,
      session_id: null,
      kind: 'fact',
      content: 'The office closes at 6 pm on Fridays.',
      metadata: { from: 'ops' },
      source: { run_id: null, message_id: null },
      reinforcement: 1,
      access_count: 0,
      last_accessed_at: null,
      reinforced: false,
    });

    const restated = await app.http.post(
      `/api/v1/agents/${agentId}/memories`,
      { content: 'the office closes at 6 PM on fridays', scope: 'agent' },
      as(owner),
    );
    expect(restated.status).toBe(200);
    expect(restated.body).toMatchObject({ id: created.body.id, reinforcement: 2, reinforced: true });

    const read = await app.http.get(`/api/v1/memories/${created.body.id}`, as(member));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.body.id, reinforcement: 2 });
    expect(read.body).not.toHaveProperty('reinforced');

    const changed = await app.http.patch(
      `/api/v1/memories/${created.body.id}`,
      { content: 'The office closes at 5 pm on Fridays.', kind: 'schedule', metadata: { checked: true } },
      as(owner),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      content: 'The office closes at 5 pm on Fridays.',
      kind: 'schedule',
      metadata: { checked: true },
      reinforcement: 2,
    });
    expect(Date.parse(changed.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
    // The new content is its own statement now: restating it reinforces the same memory.
    const again = await remember(agentId, {
      content: 'The office closes at 5 pm on Fridays',
      scope: 'agent',
    });
    expect(again).toMatchObject({ id: created.body.id, reinforced: true, reinforcement: 3 });

    const deleted = await app.http.delete(`/api/v1/memories/${created.body.id}`, as(owner));
    expect(deleted.status).toBe(204);
    expectError(await app.http.get(`/api/v1/memories/${created.body.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/memories/${created.body.id}`, as(owner)), 404, 'not_found');
  });

  it('refuses a change that restates another memory of the namespace (409), losing nothing', async () => {
    const agentId = await createAgent('Clash');
    const first = await remember(agentId, { content: 'Likes green tea', scope: 'user', user_id: 'ada' });
    const second = await remember(agentId, { content: 'Likes black coffee', scope: 'user', user_id: 'ada' });
    const clash = await app.http.patch(
      `/api/v1/memories/${second.id}`,
      { content: 'likes GREEN tea!' },
      as(owner),
    );
    expectError(clash, 409, 'memory_exists');
    expect(clash.body.details).toEqual({ memory_id: first.id });
    // The same words in another namespace are another statement.
    const elsewhere = await remember(agentId, { content: 'Likes green tea', scope: 'user', user_id: 'bob' });
    expect(elsewhere.reinforced).toBe(false);
    const ada = await list(agentId, '?user_id=ada');
    expect(contentsOf(ada.body)).toEqual(['Likes black coffee', 'Likes green tea']);
  });

  it('stores user and thread memories in their namespaces; a thread memory takes its session’s user', async () => {
    const agentId = await createAgent('Places');
    const sessionId = await startSession(agentId, 'carol');
    const user = await remember(agentId, {
      content: 'Is vegetarian',
      kind: 'preference',
      scope: 'user',
      user_id: 'carol',
    });
    expect(user).toMatchObject({
      namespace: `${owner.organizationId}:${agentId}:user:carol`,
      scope: 'user',
      user_id: 'carol',
      session_id: null,
      kind: 'preference',
    });
    const thread = await remember(agentId, {
      content: 'Asked about the table for four',
      scope: 'thread',
      session_id: sessionId,
    });
    expect(thread).toMatchObject({
      namespace: `${owner.organizationId}:${agentId}:thread:${sessionId}`,
      scope: 'thread',
      user_id: 'carol',
      session_id: sessionId,
    });
  });
});

describe('bad input', () => {
  it('answers 4xx with the field at fault, and stores nothing', async () => {
    const agentId = await createAgent('Strict');
    const sessionId = await startSession(agentId, 'dave');
    const otherAgentsSession = await startSession(await createAgent('Other'), 'dave');
    const path = `/api/v1/agents/${agentId}/memories`;
    const refusals: [Record<string, unknown>, string][] = [
      [{ scope: 'agent' }, 'content'],
      [{ content: '', scope: 'agent' }, 'content'],
      [{ content: '?!…', scope: 'agent' }, 'content'],
      [{ content: 'x'.repeat(4_001), scope: 'agent' }, 'content'],
      [{ content: 'Fine', scope: 'everyone' }, 'scope'],
      [{ content: 'Fine', scope: 'agent', kind: 'Not A Kind' }, 'kind'],
      [{ content: 'Fine', scope: 'agent', user_id: 'dave' }, 'user_id'],
      [{ content: 'Fine', scope: 'user' }, 'user_id'],
      [{ content: 'Fine', scope: 'user', user_id: 'dave', session_id: sessionId }, 'session_id'],
      [{ content: 'Fine', scope: 'thread' }, 'session_id'],
      [{ content: 'Fine', scope: 'thread', session_id: 'not-a-uuid' }, 'session_id'],
      [{ content: 'Fine', scope: 'thread', session_id: otherAgentsSession }, 'session_id'],
      [{ content: 'Fine', scope: 'thread', session_id: sessionId, user_id: 'erin' }, 'user_id'],
      [{ content: 'Fine', scope: 'agent', metadata: { blob: 'x'.repeat(17_000) } }, 'metadata'],
      [{ content: 'Fine', scope: 'agent', surprise: true }, ''],
    ];
    for (const [body, field] of refusals) {
      const response = await app.http.post(path, body, as(owner));
      expectError(response, 422, 'validation_error');
      if (field) {
        const fields = response.body.validation_errors.map((error: { field: string }) => error.field);
        expect(fields, JSON.stringify(body)).toContain(field);
      }
    }
    expectError(
      await app.http.post(path, { content: 'Fine', scope: 'thread', session_id: UNKNOWN_ID }, as(owner)),
      404,
      'not_found',
    );
    expectError(
      await app.http.post(
        `/api/v1/agents/${UNKNOWN_ID}/memories`,
        { content: 'Fine', scope: 'agent' },
        as(owner),
      ),
      404,
      'not_found',
    );
    expect((await list(agentId)).body).toEqual([]);

    const kept = await remember(agentId, { content: 'Keeps this', scope: 'agent' });
    for (const body of [{}, { content: '' }, { kind: 'BAD KIND' }, { metadata: 'text' }, { scope: 'user' }]) {
      expectError(
        await app.http.patch(`/api/v1/memories/${kept.id}`, body, as(owner)),
        422,
        'validation_error',
      );
    }
    expectError(
      await app.http.patch(`/api/v1/memories/${UNKNOWN_ID}`, { content: 'x1' }, as(owner)),
      404,
      'not_found',
    );
    expectError(await app.http.get('/api/v1/memories/not-a-uuid', as(owner)), 422, 'validation_error');
    for (const query of ['?scope=everyone', '?limit=0', '?limit=201', '?offset=-1', '?session_id=nope']) {
      expectError(await list(agentId, query), 422, 'validation_error');
    }
    expectError(await app.http.post(`${path}/search`, { query: '' }, as(owner)), 422, 'validation_error');
    expectError(
      await app.http.post(`${path}/search`, { query: 'fine', k: 51 }, as(owner)),
      422,
      'validation_error',
    );
    const forget = await app.http.delete(path, as(owner));
    expectError(forget, 422, 'validation_error');
    expect(forget.body.validation_errors[0]).toMatchObject({ field: 'user_id' });

    const after = await app.http.get(`/api/v1/memories/${kept.id}`, as(owner));
    expect(after.body).toMatchObject({ content: 'Keeps this', kind: 'fact', reinforcement: 1 });
    expect((await list(agentId)).body).toHaveLength(1);
  });
});

describe('listing', () => {
  it('filters by scope, namespace, user, session, kind and words, and pages with X-Total-Count', async () => {
    const agentId = await createAgent('Lister');
    const sessionId = await startSession(agentId, 'fay');
    await remember(agentId, { content: 'Ships orders on weekdays', scope: 'agent' });
    await remember(agentId, {
      content: 'Fay prefers parcel lockers',
      kind: 'preference',
      scope: 'user',
      user_id: 'fay',
    });
    await remember(agentId, {
      content: 'Gus prefers home delivery',
      kind: 'preference',
      scope: 'user',
      user_id: 'gus',
    });
    await remember(agentId, {
      content: 'Fay asked about order 1234',
      kind: 'episode',
      scope: 'thread',
      session_id: sessionId,
    });

    const all = await list(agentId);
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('4');
    // Newest first.
    expect(all.body.map((memory: { content: string }) => memory.content)).toEqual([
      'Fay asked about order 1234',
      'Gus prefers home delivery',
      'Fay prefers parcel lockers',
      'Ships orders on weekdays',
    ]);
    expect(contentsOf((await list(agentId, '?scope=agent')).body)).toEqual(['Ships orders on weekdays']);
    expect(contentsOf((await list(agentId, '?user_id=fay')).body)).toEqual([
      'Fay asked about order 1234',
      'Fay prefers parcel lockers',
    ]);
    expect(contentsOf((await list(agentId, `?session_id=${sessionId}`)).body)).toEqual([
      'Fay asked about order 1234',
    ]);
    expect(contentsOf((await list(agentId, '?kind=preference')).body)).toEqual([
      'Fay prefers parcel lockers',
      'Gus prefers home delivery',
    ]);
    const namespace = encodeURIComponent(`${owner.organizationId}:${agentId}:user:gus`);
    expect(contentsOf((await list(agentId, `?namespace=${namespace}`)).body)).toEqual([
      'Gus prefers home delivery',
    ]);
    expect(contentsOf((await list(agentId, '?search=preferring%20delivery')).body)).toEqual([
      'Gus prefers home delivery',
    ]);
    expect(contentsOf((await list(agentId, '?search=orders&scope=thread')).body)).toEqual([
      'Fay asked about order 1234',
    ]);

    const first = await list(agentId, '?limit=3');
    const second = await list(agentId, '?limit=3&offset=3');
    expect(first.body).toHaveLength(3);
    expect(second.body).toHaveLength(1);
    expect(second.headers.get('x-total-count')).toBe('4');
    expect([...first.body, ...second.body].map((memory: { id: string }) => memory.id)).toEqual(
      all.body.map((memory: { id: string }) => memory.id),
    );
  });
});

describe('roles', () => {
  it('lets agent_user read and search, agent_admin and up write, and readonly nothing', async () => {
    const agentId = await createAgent('Roles');
    const memory = await remember(agentId, { content: 'Speaks French', scope: 'user', user_id: 'hal' });
    expect((await list(agentId, '', member)).body).toHaveLength(1);
    const search = await app.http.post(
      `/api/v1/agents/${agentId}/memories/search`,
      { query: 'French' },
      as(member),
    );
    expect(search.status).toBe(200);
    for (const response of [
      await app.http.post(
        `/api/v1/agents/${agentId}/memories`,
        { content: 'No', scope: 'agent' },
        as(member),
      ),
      await app.http.patch(`/api/v1/memories/${memory.id}`, { content: 'No' }, as(member)),
      await app.http.delete(`/api/v1/memories/${memory.id}`, as(member)),
      await app.http.delete(`/api/v1/agents/${agentId}/memories?user_id=hal`, as(member)),
      await list(agentId, '', reader),
      await app.http.get(`/api/v1/memories/${memory.id}`, as(reader)),
    ]) {
      expectError(response, 403, 'authorization_error');
    }
    const admin = await addMember(app.http, owner, 'agent_admin');
    const changed = await app.http.patch(`/api/v1/memories/${memory.id}`, { kind: 'language' }, as(admin));
    expect(changed.status).toBe(200);
  });
});

describe('isolation', () => {
  it('keeps the namespaces of two agents and two organizations apart', async () => {
    const first = await createAgent('First');
    const second = await createAgent('Second');
    const foreign = await createAgent('Foreign', stranger);
    const mine = await remember(first, { content: 'Ivy owns a red bicycle', scope: 'user', user_id: 'ivy' });
    await remember(second, { content: 'Ivy owns a blue scooter', scope: 'user', user_id: 'ivy' });
    await remember(foreign, { content: 'Ivy owns a green car', scope: 'user', user_id: 'ivy' }, stranger);

    expect(contentsOf((await list(first, '?user_id=ivy')).body)).toEqual(['Ivy owns a red bicycle']);
    expect(contentsOf((await list(second, '?user_id=ivy')).body)).toEqual(['Ivy owns a blue scooter']);
    const search = await app.http.post(
      `/api/v1/agents/${first}/memories/search`,
      { query: 'What does Ivy own?', user_id: 'ivy', k: 10 },
      as(owner),
    );
    expect(contentsOf(search.body.memories)).toEqual(['Ivy owns a red bicycle']);
    expect(search.body.namespaces).toEqual([
      `${owner.organizationId}:${first}`,
      `${owner.organizationId}:${first}:user:ivy`,
    ]);

    expectError(await app.http.get(`/api/v1/memories/${mine.id}`, as(stranger)), 403, 'authorization_error');
    expectError(await list(first, '', stranger), 403, 'authorization_error');
    expectError(
      await app.http.post(`/api/v1/agents/${first}/memories/search`, { query: 'Ivy' }, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(await app.http.get(`/api/v1/memories/${UNKNOWN_ID}`, as(stranger)), 404, 'not_found');
    expect(contentsOf((await list(foreign, '', stranger)).body)).toEqual(['Ivy owns a green car']);
  });

  it('hides the memories of a deleted agent', async () => {
    const agentId = await createAgent('Retired');
    const memory = await remember(agentId, { content: 'Retired soon', scope: 'agent' });
    expect((await app.http.delete(`/api/v1/agents/${agentId}`, as(owner))).status).toBe(204);
    expectError(await app.http.get(`/api/v1/memories/${memory.id}`, as(owner)), 404, 'not_found');
    expectError(await list(agentId), 404, 'not_found');
  });
});

describe('forgetting an end user', () => {
  it('deletes their user memories and the thread memories of their sessions, and only those', async () => {
    const agentId = await createAgent('Forgetful');
    const otherAgent = await createAgent('Unrelated');
    const jack = await startSession(agentId, 'jack');
    const kim = await startSession(agentId, 'kim');
    await remember(agentId, { content: 'Jack lives in Porto', scope: 'user', user_id: 'jack' });
    await remember(agentId, { content: 'Jack has a dog', scope: 'user', user_id: 'jack' });
    await remember(agentId, { content: 'Jack asked for a refund', scope: 'thread', session_id: jack });
    await remember(agentId, { content: 'Kim lives in Lyon', scope: 'user', user_id: 'kim' });
    await remember(agentId, { content: 'Kim asked about shipping', scope: 'thread', session_id: kim });
    await remember(agentId, { content: 'Opening hours are 9 to 5', scope: 'agent' });
    await remember(otherAgent, { content: 'Jack likes jazz', scope: 'user', user_id: 'jack' });

    const forgotten = await app.http.delete(`/api/v1/agents/${agentId}/memories?user_id=jack`, as(owner));
    expect(forgotten.status, JSON.stringify(forgotten.body)).toBe(200);
    expect(forgotten.body).toEqual({ user_id: 'jack', deleted: 3 });
    expect(contentsOf((await list(agentId)).body)).toEqual([
      'Kim asked about shipping',
      'Kim lives in Lyon',
      'Opening hours are 9 to 5',
    ]);
    expect(contentsOf((await list(otherAgent)).body)).toEqual(['Jack likes jazz']);
    const again = await app.http.delete(`/api/v1/agents/${agentId}/memories?user_id=jack`, as(owner));
    expect(again.body).toEqual({ user_id: 'jack', deleted: 0 });
  });
});
