import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
let owner: TestAccount;
let reader: TestAccount;
let member: TestAccount;
let stranger: TestAccount;
let agentId: string;
let strangerAgentId: string;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  reader = await addMember(app.http, owner, 'readonly');
  member = await addMember(app.http, owner, 'agent_user');
  stranger = await registerAccount(app.http, 'Stranger');
  agentId = (await app.http.post('/api/v1/agents', { name: 'Support' }, as(owner))).body.id;
  strangerAgentId = (await app.http.post('/api/v1/agents', { name: 'Theirs' }, as(stranger))).body.id;
});
afterAll(() => app.close());

function as(account: TestAccount) {
  return { token: account.token };
}

async function newAgent() {
  const response = await app.http.post('/api/v1/agents', { name: 'Listed' }, as(owner));
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function createSession(body: Record<string, unknown> = {}) {
  const response = await app.http.post('/api/v1/sessions', { agent_id: agentId, ...body }, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function postMessage(sessionId: string, body: Record<string, unknown>) {
  const response = await app.http.post(`/api/v1/sessions/${sessionId}/messages`, body, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const session = async (id: string) => (await app.http.get(`/api/v1/sessions/${id}`, as(owner))).body;

describe('POST /api/v1/sessions', () => {
  it('creates a session with defaults, scoped to the organization', async () => {
    const created = await createSession();
    expect(created).toEqual({
      id: expect.any(String),
      organization_id: owner.organizationId,
      project_id: null,
      agent_id: agentId,
      user_id: null,
      title: null,
      status: 'active',
      message_count: 0,
      last_activity: expect.any(String),
      context_summary: null,
      context_summary_updated_at: null,
      context_summary_message_count: 0,
      metadata: {},
      created_by_user_id: owner.userId,
      created_by_api_key_id: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await session(created.id)).toEqual(created);
  });

  it('stores the end-user id, title and metadata; an agent_user may create', async () => {
    const response = await app.http.post(
      '/api/v1/sessions',
      { agent_id: agentId, user_id: 'customer-42', title: 'Billing', metadata: { channel: 'web', n: [1] } },
      as(member),
    );
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      user_id: 'customer-42',
      title: 'Billing',
      metadata: { channel: 'web', n: [1] },
      created_by_user_id: member.userId,
    });
  });

  it.each([
    { body: { agent_id: 'not-a-uuid' }, field: 'agent_id' },
    { body: { agent_id: null }, field: 'agent_id' },
    { body: { agent_id: randomUUID(), colour: 'blue' }, field: 'colour' },
    { body: { agent_id: randomUUID(), title: 't'.repeat(501) }, field: 'title' },
    { body: { agent_id: randomUUID(), title: 'nul \u0000 byte' }, field: 'title' },
    { body: { agent_id: randomUUID(), user_id: '' }, field: 'user_id' },
    { body: { agent_id: randomUUID(), metadata: ['not', 'an', 'object'] }, field: 'metadata' },
    { body: { agent_id: randomUUID(), metadata: { big: 'x'.repeat(17 * 1024) } }, field: 'metadata' },
  ])('rejects $field with 422', async ({ body, field }) => {
    const response = await app.http.post('/api/v1/sessions', body, as(owner));
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('an agent it names must be of the organization: unknown or deleted 404, another organization’s 403', async () => {
    expectError(
      await app.http.post('/api/v1/sessions', { agent_id: randomUUID() }, as(owner)),
      404,
      'not_found',
    );
    expectError(
      await app.http.post('/api/v1/sessions', { agent_id: strangerAgentId }, as(owner)),
      403,
      'authorization_error',
    );
    const deletedAgent = await newAgent();
    await app.http.delete(`/api/v1/agents/${deletedAgent}`, as(owner));
    expectError(
      await app.http.post('/api/v1/sessions', { agent_id: deletedAgent }, as(owner)),
      404,
      'not_found',
    );
  });

  it('refuses a readonly member (403) and an anonymous caller (401)', async () => {
    expectError(
      await app.http.post('/api/v1/sessions', { agent_id: agentId }, as(reader)),
      403,
      'authorization_error',
    );
    expectError(await app.http.post('/api/v1/sessions', { agent_id: agentId }), 401, 'authentication_error');
  });
});

describe('GET /api/v1/sessions', () => {
  let listedAgent: string;
  const ids: string[] = [];

  beforeAll(async () => {
    listedAgent = await newAgent();
    for (const [index, user] of ['ann', 'bob', 'ann', 'cy'].entries()) {
      const created = await createSession({ agent_id: listedAgent, user_id: user, title: `s${index}` });
      ids.push(created.id);
    }
    await app.http.patch(`/api/v1/sessions/${ids[2]}`, { status: 'archived' }, as(owner));
    // The oldest session becomes the most recently active one.
    await postMessage(ids[0] as string, { content: 'hello again' });
  });

  const list = (query: string) =>
    app.http.get(`/api/v1/sessions?agent_id=${listedAgent}&${query}`, as(reader));
  const idsOf = (body: { id: string }[]) => body.map((item) => item.id);

  it('sorts by last activity, newest first, by default; a reader may list', async () => {
    const response = await list('');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-total-count')).toBe('4');
    expect(idsOf(response.body)).toEqual([ids[0], ids[3], ids[2], ids[1]]);
  });

  it('sorts by created_at or updated_at in either order', async () => {
    expect(idsOf((await list('sort_by=created_at&sort_order=asc')).body)).toEqual(ids);
    expect(idsOf((await list('sort_by=created_at')).body)).toEqual([...ids].reverse());
    expect(idsOf((await list('sort_by=updated_at&sort_order=desc')).body)[0]).toBe(ids[2]);
  });

  it('filters by user_id and status', async () => {
    const ann = await list('user_id=ann&sort_by=created_at&sort_order=asc');
    expect(idsOf(ann.body)).toEqual([ids[0], ids[2]]);
    const archived = await list('status=archived');
    expect(idsOf(archived.body)).toEqual([ids[2]]);
    expect(archived.headers.get('x-total-count')).toBe('1');
    expect((await list('user_id=nobody')).body).toEqual([]);
  });

  it('pages with limit and offset, with the total in X-Total-Count', async () => {
    const page = await list('sort_by=created_at&sort_order=asc&limit=2&offset=1');
    expect(idsOf(page.body)).toEqual([ids[1], ids[2]]);
    expect(page.headers.get('x-total-count')).toBe('4');
  });

  it.each([
    'limit=0',
    'limit=101',
    'offset=-1',
    'sort_by=title',
    'sort_order=up',
    'status=deleted',
    'agent_id=abc',
    'user_id=%00',
  ])('rejects %s with 422', async (query) => {
    expectError(await app.http.get(`/api/v1/sessions?${query}`, as(owner)), 422, 'validation_error');
  });
});

describe('GET, PUT, PATCH and DELETE /api/v1/sessions/{id}', () => {
  it('updates the given fields only; metadata is replaced as a whole', async () => {
    const created = await createSession({ title: 'Old', user_id: 'u1', metadata: { a: 1 } });
    const put = await app.http.put(
      `/api/v1/sessions/${created.id}`,
      { title: 'New', status: 'archived' },
      as(owner),
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ title: 'New', status: 'archived', user_id: 'u1', metadata: { a: 1 } });
    expect(Date.parse(put.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    const patch = await app.http.patch(
      `/api/v1/sessions/${created.id}`,
      { metadata: { b: 2 }, user_id: null, status: 'active' },
      as(member),
    );
    expect(patch.body).toMatchObject({ title: 'New', status: 'active', user_id: null, metadata: { b: 2 } });
    expect(await session(created.id)).toEqual(patch.body);
  });

  it.each([
    { body: { agent_id: randomUUID() }, field: 'agent_id' },
    { body: { message_count: 7 }, field: 'message_count' },
    { body: { status: 'deleted' }, field: 'status' },
    { body: { title: 7 }, field: 'title' },
  ])('rejects an update of $field with 422', async ({ body, field }) => {
    const created = await createSession();
    const response = await app.http.patch(`/api/v1/sessions/${created.id}`, body, as(owner));
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors[0].field).toBe(field);
  });

  it('answers 404 for unknown ids, 422 for malformed ones, 403 for another organization’s', async () => {
    expectError(await app.http.get(`/api/v1/sessions/${randomUUID()}`, as(owner)), 404, 'not_found');
    expectError(
      await app.http.patch(`/api/v1/sessions/${randomUUID()}`, { title: 'x' }, as(owner)),
      404,
      'not_found',
    );
    expectError(await app.http.get('/api/v1/sessions/nope', as(owner)), 422, 'validation_error');
    const theirs = await app.http.post('/api/v1/sessions', { agent_id: strangerAgentId }, as(stranger));
    expectError(
      await app.http.get(`/api/v1/sessions/${theirs.body.id}`, as(owner)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/sessions/${theirs.body.id}`, as(owner)),
      403,
      'authorization_error',
    );
    expect((await app.http.get(`/api/v1/sessions/${theirs.body.id}`, as(stranger))).status).toBe(200);
  });

  it('soft-deletes a session with its messages (204, then 404); readonly may not delete', async () => {
    const created = await createSession();
    const message = await postMessage(created.id, { content: 'to be deleted' });
    expectError(
      await app.http.delete(`/api/v1/sessions/${created.id}`, as(reader)),
      403,
      'authorization_error',
    );
    const deleted = await app.http.delete(`/api/v1/sessions/${created.id}`, as(owner));
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expectError(await app.http.get(`/api/v1/sessions/${created.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/messages/${message.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/sessions/${created.id}/messages`, as(owner)), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/sessions/${created.id}`, as(owner)), 404, 'not_found');
    const listed = await app.http.get(`/api/v1/sessions?agent_id=${agentId}&limit=100`, as(owner));
    expect(listed.body.map((item: { id: string }) => item.id)).not.toContain(created.id);
  });
});

describe('bulk operations', () => {
  const countFor = async (userId: string) =>
    (await app.http.get(`/api/v1/sessions?user_id=${userId}`, as(owner))).headers.get('x-total-count');

  it('creates many sessions in request order (201)', async () => {
    const other = await newAgent();
    const body = [
      { agent_id: agentId, title: 'one', user_id: 'bulk-a' },
      { agent_id: other, title: 'two', user_id: 'bulk-a' },
      { agent_id: agentId, title: 'three', user_id: 'bulk-a', metadata: { k: 'v' } },
    ];
    const response = await app.http.post('/api/v1/sessions/bulk-create', body, as(owner));
    expect(response.status).toBe(201);
    expect(response.body.map((item: { title: string }) => item.title)).toEqual(['one', 'two', 'three']);
    expect(response.body[1]).toMatchObject({ agent_id: other, organization_id: owner.organizationId });
    expect(await countFor('bulk-a')).toBe('3');
  });

  it('creates nothing when any item fails: unknown agent 404, foreign agent 403, bad item 422', async () => {
    const valid = { agent_id: agentId, user_id: 'bulk-none' };
    const bulk = (items: unknown[]) => app.http.post('/api/v1/sessions/bulk-create', items, as(owner));
    expectError(await bulk([valid, { ...valid, agent_id: randomUUID() }]), 404, 'not_found');
    expectError(await bulk([valid, { ...valid, agent_id: strangerAgentId }]), 403, 'authorization_error');
    expectError(await bulk([valid, { ...valid, extra: true }]), 422, 'validation_error');
    expectError(await bulk([]), 422, 'validation_error');
    expectError(await bulk(Array.from({ length: 101 }, () => valid)), 422, 'validation_error');
    expect(await countFor('bulk-none')).toBe('0');
    expect((await bulk(Array.from({ length: 100 }, () => valid))).status).toBe(201);
    expect(await countFor('bulk-none')).toBe('100');
  });

  it('deletes many sessions and their messages (204)', async () => {
    const first = await createSession({ user_id: 'bulk-delete' });
    const second = await createSession({ user_id: 'bulk-delete' });
    const message = await postMessage(second.id, { content: 'bye' });
    const response = await app.http.request(
      'DELETE',
      '/api/v1/sessions/bulk-delete',
      { session_ids: [first.id, second.id, first.id] },
      as(owner),
    );
    expect(response.status).toBe(204);
    expect(await countFor('bulk-delete')).toBe('0');
    expectError(await app.http.get(`/api/v1/messages/${message.id}`, as(owner)), 404, 'not_found');
  });

  it('accepts the array of ids as the whole body (seed 004), with the same rules', async () => {
    const first = await createSession({ user_id: 'bulk-raw' });
    const second = await createSession({ user_id: 'bulk-raw' });
    const response = await app.http.request(
      'DELETE',
      '/api/v1/sessions/bulk-delete',
      [first.id, second.id, second.id],
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(204);
    expect(await countFor('bulk-raw')).toBe('0');
    expectError(await app.http.get(`/api/v1/sessions/${first.id}`, as(owner)), 404, 'not_found');
  });

  it('deletes nothing when any id is unknown (404), another organization’s (403) or malformed (422)', async () => {
    const kept = await createSession({ user_id: 'bulk-keep' });
    const theirs = (await app.http.post('/api/v1/sessions', { agent_id: strangerAgentId }, as(stranger)))
      .body;
    const remove = (body: unknown, account = owner) =>
      app.http.request('DELETE', '/api/v1/sessions/bulk-delete', body, as(account));
    expectError(await remove({ session_ids: [kept.id, randomUUID()] }), 404, 'not_found');
    expectError(await remove({ session_ids: [kept.id, theirs.id] }), 403, 'authorization_error');
    expectError(
      await remove({ session_ids: [kept.id, randomUUID(), theirs.id] }),
      403,
      'authorization_error',
    );
    expectError(await remove({ session_ids: [kept.id, 'nope'] }), 422, 'validation_error');
    expectError(await remove({ session_ids: [] }), 422, 'validation_error');
    // Neither form: another field name, ids beside session_ids, a lone id, an empty or bad array.
    expectError(await remove({ ids: [kept.id] }), 422, 'validation_error');
    expectError(await remove({ session_ids: [kept.id], extra: true }), 422, 'validation_error');
    expectError(await remove(JSON.stringify(kept.id)), 422, 'validation_error');
    expectError(await remove([]), 422, 'validation_error');
    expectError(await remove([kept.id, 'nope']), 422, 'validation_error');
    expectError(await remove([kept.id, randomUUID()]), 404, 'not_found');
    expectError(await remove([kept.id, theirs.id]), 403, 'authorization_error');
    expectError(
      await remove({ session_ids: Array.from({ length: 101 }, () => randomUUID()) }),
      422,
      'validation_error',
    );
    expectError(await remove({ session_ids: [kept.id] }, reader), 403, 'authorization_error');
    expect(await countFor('bulk-keep')).toBe('1');
    expect((await app.http.get(`/api/v1/sessions/${theirs.id}`, as(stranger))).status).toBe(200);
  });
});

describe('default titles (seed 001)', () => {
  const execute = async (body: Record<string, unknown>) => {
    const response = await app.http.post(`/api/v1/agents/${agentId}/execute`, body, as(owner));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { session_id: string };
  };
  const long = `  Hello,\n\n  my order   1042 arrived damaged and ${'really '.repeat(12)}needs a refund `;

  it('titles a session without one after its first user message: one line, at most 80 characters', async () => {
    const created = await createSession();
    expect(created.title).toBeNull();
    await postMessage(created.id, { role: 'assistant', content: 'How can I help?' });
    expect((await session(created.id)).title).toBeNull();
    await postMessage(created.id, { content: long });
    const titled = await session(created.id);
    expect(titled.title).toBe('Hello, my order 1042 arrived damaged and really really really really really…');
    expect(Array.from(titled.title).length).toBeLessThanOrEqual(80);
    expect(titled.updated_at).toBe(created.updated_at);
    await postMessage(created.id, { content: 'Another question' });
    expect((await session(created.id)).title).toBe(titled.title);
  });

  it('keeps a short first message whole, and titles through a reply to an earlier message too', async () => {
    const created = await createSession();
    const greeting = await postMessage(created.id, { role: 'assistant', content: 'Hi!' });
    await postMessage(created.id, { content: '  Where is\tmy parcel? ', parent_message_id: greeting.id });
    expect((await session(created.id)).title).toBe('Where is my parcel?');
  });

  it('never replaces a given title, nor one cleared after the first user message', async () => {
    const named = await createSession({ title: 'Billing' });
    await postMessage(named.id, { content: 'Invoice question' });
    expect((await session(named.id)).title).toBe('Billing');

    const cleared = await createSession();
    await postMessage(cleared.id, { content: 'First words' });
    await app.http.patch(`/api/v1/sessions/${cleared.id}`, { title: null }, as(owner));
    await postMessage(cleared.id, { content: 'Second words' });
    expect((await session(cleared.id)).title).toBeNull();
  });

  it('titles bulk-created sessions the same way', async () => {
    const response = await app.http.post(
      '/api/v1/sessions/bulk-create',
      [{ agent_id: agentId }, { agent_id: agentId, title: 'Given' }],
      as(owner),
    );
    const [untitled, given] = response.body as { id: string; title: string | null }[];
    for (const created of [untitled, given]) await postMessage(created?.id as string, { content: 'Refund' });
    expect((await session(untitled?.id as string)).title).toBe('Refund');
    expect((await session(given?.id as string)).title).toBe('Given');
  });

  it('titles the session a turn opens, and an empty one a turn continues, but not a titled one', async () => {
    const opened = await execute({ message: long });
    expect((await session(opened.session_id)).title).toBe(
      'Hello, my order 1042 arrived damaged and really really really really really…',
    );
    await execute({ session_id: opened.session_id, message: 'Something else' });
    expect((await session(opened.session_id)).title).toMatch(/^Hello, my order 1042/);

    const empty = await createSession();
    await execute({ session_id: empty.id, message: 'Change my address' });
    expect((await session(empty.id)).title).toBe('Change my address');

    const named = await createSession({ title: 'Named' });
    await execute({ session_id: named.id, message: 'Change my address' });
    expect((await session(named.id)).title).toBe('Named');
  });
});

describe('sessions without an agent (seed 004)', () => {
  let otherAgentId: string;
  beforeAll(async () => {
    otherAgentId = await newAgent();
  });

  const createUnbound = async (body: Record<string, unknown> = {}) => {
    const response = await app.http.post('/api/v1/sessions', body, as(owner));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  };
  const executeAs = (agent: string, body: Record<string, unknown>, account: TestAccount = owner) =>
    app.http.post(`/api/v1/agents/${agent}/execute`, body, as(account));

  it('creates a session without agent_id (201, agent_id null), alone or in a bulk-create', async () => {
    const created = await createUnbound({ user_id: 'unbound-1', title: 'No agent yet', metadata: { a: 1 } });
    expect(created).toMatchObject({
      agent_id: null,
      organization_id: owner.organizationId,
      user_id: 'unbound-1',
      title: 'No agent yet',
      metadata: { a: 1 },
    });
    expect(await session(created.id)).toEqual(created);

    const bulk = await app.http.post(
      '/api/v1/sessions/bulk-create',
      [{ title: 'first' }, { agent_id: agentId, title: 'second' }, {}],
      as(owner),
    );
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(201);
    expect(bulk.body.map((item: { agent_id: string | null }) => item.agent_id)).toEqual([
      null,
      agentId,
      null,
    ]);
  });

  it('takes messages like any other session', async () => {
    const created = await createUnbound();
    await postMessage(created.id, { content: 'Where is my parcel?' });
    await postMessage(created.id, { role: 'assistant', content: 'Let me check.' });
    expect(await session(created.id)).toMatchObject({
      agent_id: null,
      message_count: 2,
      title: 'Where is my parcel?',
    });
    const listed = await app.http.get(`/api/v1/sessions/${created.id}/messages`, as(owner));
    expect(listed.body.map((message: { content: string }) => message.content)).toEqual([
      'Where is my parcel?',
      'Let me check.',
    ]);
  });

  it('is bound to the agent of its first turn, which sees the messages added before', async () => {
    const created = await createUnbound({ user_id: 'binding' });
    await postMessage(created.id, { content: 'My parcel number is ZX-4471.' });
    await postMessage(created.id, { role: 'assistant', content: 'Noted, thank you.' });

    // A preview reads the session without binding it, whatever the agent.
    for (const reader of [agentId, otherAgentId]) {
      const preview = await app.http.post(
        `/api/v1/agents/${reader}/preview-context`,
        { message: 'What is my parcel number?', session_id: created.id },
        as(owner),
      );
      expect(preview.status, JSON.stringify(preview.body)).toBe(200);
      expect(
        preview.body.messages.map((message: { source: string; content: string }) => [
          message.source,
          message.content,
        ]),
      ).toEqual([
        ['thread', 'My parcel number is ZX-4471.'],
        ['thread', 'Noted, thank you.'],
        ['user_message', 'What is my parcel number?'],
      ]);
    }
    expect((await session(created.id)).agent_id).toBeNull();

    const turn = await executeAs(agentId, { session_id: created.id, message: 'What is my parcel number?' });
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(turn.body.session_id).toBe(created.id);
    // The offline model quotes the context passage closest to the question: the earlier message.
    expect(turn.body.content).toContain('ZX-4471');
    const bound = await session(created.id);
    expect(bound).toMatchObject({ agent_id: agentId, user_id: 'binding', message_count: 4 });
    expect(Date.parse(bound.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    const stored = await app.http.get(`/api/v1/sessions/${created.id}/messages`, as(owner));
    expect(stored.body.map((message: { role: string }) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);

    // Bound for good: another agent's turn (execute or chat) is refused and stores nothing.
    expectError(
      await executeAs(otherAgentId, { session_id: created.id, message: 'Hi' }),
      400,
      'session_agent_mismatch',
    );
    expectError(
      await app.http.post(
        `/api/v1/agents/${otherAgentId}/chat`,
        { thread_id: created.id, user_input: 'Hi' },
        as(owner),
      ),
      400,
      'session_agent_mismatch',
    );
    expect(await session(created.id)).toMatchObject({ agent_id: agentId, message_count: 4 });
    expect((await executeAs(agentId, { session_id: created.id, message: 'Thanks' })).status).toBe(200);
  });

  it('is bound by a /chat turn as well', async () => {
    const created = await createUnbound();
    const chat = await app.http.post(
      `/api/v1/agents/${otherAgentId}/chat`,
      { thread_id: created.id, user_input: 'Hello' },
      as(owner),
    );
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    expect((await session(created.id)).agent_id).toBe(otherAgentId);
  });

  it('lets exactly one of two agents racing for it bind it; the other gets 400', async () => {
    const created = await createUnbound();
    const agents = [agentId, otherAgentId];
    const turns = await Promise.all(
      agents.map((agent) => executeAs(agent, { session_id: created.id, message: 'Me first' })),
    );
    expect(turns.map((turn) => turn.status).sort()).toEqual([200, 400]);
    const winner = turns.findIndex((turn) => turn.status === 200);
    expectError(turns[1 - winner] as (typeof turns)[number], 400, 'session_agent_mismatch');
    expect(await session(created.id)).toMatchObject({ agent_id: agents[winner], message_count: 2 });
  });

  it('is not bound by a turn of another organization (403), nor by a turn refused while planned', async () => {
    const created = await createUnbound();
    expectError(
      await executeAs(strangerAgentId, { session_id: created.id, message: 'Mine now?' }, stranger),
      403,
      'authorization_error',
    );
    const inactive = await newAgent();
    await app.http.patch(`/api/v1/agents/${inactive}`, { status: 'inactive' }, as(owner));
    expectError(await executeAs(inactive, { session_id: created.id, message: 'Hi' }), 400, 'agent_inactive');
    // The context is assembled after the session is read: a turn refused there binds nothing either.
    const small = await app.http.post(
      '/api/v1/agents',
      { name: 'Small', max_context_size: 1_000 },
      as(owner),
    );
    expectError(
      await executeAs(small.body.id, { session_id: created.id, message: 'y'.repeat(5_000) }),
      400,
      'context_too_large',
    );
    expect(await session(created.id)).toMatchObject({ agent_id: null, message_count: 0 });
  });

  it('gets a thread summary once a turn binds it, covering the messages added before', async () => {
    const created = await createUnbound();
    for (let number = 1; number <= 8; number += 1) {
      await postMessage(created.id, { content: `Question ${number}. Please answer.` });
      await postMessage(created.id, { role: 'assistant', content: `Answer ${number}. Done.` });
    }
    const windowed = await app.http.post(
      '/api/v1/agents',
      { name: 'Windowed', memory: { thread_window: 5 }, show_suggestions_after_each_message: false },
      as(owner),
    );
    // 18 messages with the turn's exchange, 13 of them out of the window of 5: a summary job.
    expect((await executeAs(windowed.body.id, { session_id: created.id, message: 'And now?' })).status).toBe(
      200,
    );
    await expect
      .poll(async () => (await session(created.id)).context_summary_message_count, { timeout: 20_000 })
      .toBe(13);
    const lines = ((await session(created.id)).context_summary as string).split('\n');
    expect(lines.slice(0, 2)).toEqual(['user: Question 1.', 'assistant: Answer 1.']);
    expect(lines).toHaveLength(13);
  });

  it('lists under agent_id=none until a turn binds it, then under its agent', async () => {
    const userId = `unbound-list-${randomUUID()}`;
    const unbound = await createUnbound({ user_id: userId });
    const withAgent = await createSession({ agent_id: otherAgentId, user_id: userId });
    const listed = async (agentFilter: string) =>
      (await app.http.get(`/api/v1/sessions?user_id=${userId}&agent_id=${agentFilter}`, as(reader))).body.map(
        (item: { id: string }) => item.id,
      );
    expect(await listed('none')).toEqual([unbound.id]);
    expect(await listed(otherAgentId)).toEqual([withAgent.id]);
    expect((await executeAs(otherAgentId, { session_id: unbound.id, message: 'Bind me' })).status).toBe(200);
    expect(await listed('none')).toEqual([]);
    expect((await listed(otherAgentId)).sort()).toEqual([unbound.id, withAgent.id].sort());
  });
});

describe('messages', () => {
  it('adds a message (role user by default) and counts it on the session', async () => {
    const created = await createSession();
    const message = await postMessage(created.id, { content: 'Hello' });
    expect(message).toEqual({
      id: expect.any(String),
      organization_id: owner.organizationId,
      session_id: created.id,
      role: 'user',
      content: 'Hello',
      metadata: {},
      tool_calls: [],
      parent_message_id: null,
      feedback_score: null,
      feedback_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const after = await session(created.id);
    expect(after.message_count).toBe(1);
    expect(Date.parse(after.last_activity)).toBeGreaterThanOrEqual(Date.parse(created.last_activity));
    expect(after.updated_at).toBe(created.updated_at);
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as(reader))).body).toEqual(message);
  });

  it('stores every role, tool calls, metadata and a parent of the same session', async () => {
    const created = await createSession();
    const question = await postMessage(created.id, { content: 'Weather?' });
    const toolCalls = [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }];
    const answer = await postMessage(created.id, {
      role: 'assistant',
      content: 'Checking',
      tool_calls: toolCalls,
      metadata: { model: 'offline' },
      parent_message_id: question.id,
    });
    expect(answer).toMatchObject({
      role: 'assistant',
      tool_calls: toolCalls,
      parent_message_id: question.id,
    });
    await postMessage(created.id, { role: 'tool', content: '{"sunny":true}', parent_message_id: answer.id });
    await postMessage(created.id, { role: 'system', content: 'Be brief' });
    expect((await session(created.id)).message_count).toBe(4);
  });

  it('refuses a parent of another session or an unknown one (400) and counts nothing', async () => {
    const created = await createSession();
    const elsewhere = await postMessage((await createSession()).id, { content: 'elsewhere' });
    for (const parent of [elsewhere.id, randomUUID()]) {
      const response = await app.http.post(
        `/api/v1/sessions/${created.id}/messages`,
        { content: 'reply', parent_message_id: parent },
        as(owner),
      );
      expectError(response, 400, 'invalid_parent_message');
    }
    expect((await session(created.id)).message_count).toBe(0);
  });

  it.each([
    { body: { content: '' }, field: 'content' },
    { body: {}, field: 'content' },
    { body: { content: 'x'.repeat(100 * 1024 + 1) }, field: 'content' },
    { body: { content: 'é'.repeat(60_000) }, field: 'content' },
    { body: { content: 'nul \u0000' }, field: 'content' },
    { body: { content: 'x', role: 'robot' }, field: 'role' },
    { body: { content: 'x', sender: 'me' }, field: 'sender' },
    { body: { content: 'x', parent_message_id: 'nope' }, field: 'parent_message_id' },
    { body: { content: 'x', tool_calls: [1] }, field: 'tool_calls.0' },
    { body: { content: 'x', metadata: { bad: 'nul \u0000' } }, field: 'metadata.bad' },
  ])('rejects $field with 422', async ({ body, field }) => {
    const created = await createSession();
    const response = await app.http.post(`/api/v1/sessions/${created.id}/messages`, body, as(owner));
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('accepts exactly 100 KB of content', async () => {
    const created = await createSession();
    await postMessage(created.id, { content: 'x'.repeat(100 * 1024) });
  });

  it('answers 404 for an unknown or deleted session, 403 for another organization’s and a reader', async () => {
    const url = (id: string) => `/api/v1/sessions/${id}/messages`;
    expectError(await app.http.post(url(randomUUID()), { content: 'x' }, as(owner)), 404, 'not_found');
    expectError(await app.http.get(url(randomUUID()), as(owner)), 404, 'not_found');
    const theirs = (await app.http.post('/api/v1/sessions', { agent_id: strangerAgentId }, as(stranger)))
      .body;
    expectError(await app.http.post(url(theirs.id), { content: 'x' }, as(owner)), 403, 'authorization_error');
    expectError(await app.http.get(url(theirs.id), as(owner)), 403, 'authorization_error');
    const mine = await createSession();
    expectError(await app.http.post(url(mine.id), { content: 'x' }, as(reader)), 403, 'authorization_error');
    expect((await app.http.post(url(mine.id), { content: 'x' }, as(member))).status).toBe(201);
    expect((await app.http.get(url(mine.id), as(reader))).status).toBe(200);
  });
});

describe('GET /api/v1/sessions/{id}/messages', () => {
  let sessionId: string;
  const contents = [
    'The invoice for March is missing',
    'Sorry about the missing invoice',
    'Please resend the March invoice',
    'Résumé and naïve café',
    "'; DROP TABLE messages; --",
  ];

  beforeAll(async () => {
    sessionId = (await createSession()).id;
    for (const [index, content] of contents.entries()) {
      await postMessage(sessionId, { content, role: index % 2 === 0 ? 'user' : 'assistant' });
    }
  });

  const list = async (query = '') => {
    const response = await app.http.get(`/api/v1/sessions/${sessionId}/messages?${query}`, as(reader));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return {
      contents: response.body.map((item: { content: string }) => item.content),
      total: response.headers.get('x-total-count'),
    };
  };

  it('lists chronologically, filters by role and pages', async () => {
    expect(await list()).toEqual({ contents, total: '5' });
    expect((await list('role=assistant')).contents).toEqual([contents[1], contents[3]]);
    expect(await list('limit=2&offset=2')).toEqual({ contents: contents.slice(2, 4), total: '5' });
  });

  it.each([
    ['invoice', [0, 1, 2]],
    ['INVOICE march', [0, 2]],
    ['"missing invoice"', [1]],
    ['invoice -sorry', [0, 2]],
    ['sorry or resend', [1, 2]],
    ['café', [3]],
    ['nothing-like-this', []],
    ["'; DROP TABLE messages; --", [4]],
    ["' OR 1=1 --", []],
    ['%', []],
    ['a:* & !b | (c', []],
    ['\\', []],
  ])('searches the full text for %s', async (search, expected) => {
    const result = await list(`search=${encodeURIComponent(search)}`);
    expect(result.contents).toEqual(expected.map((index) => contents[index]));
    expect(result.total).toBe(String(expected.length));
  });

  it('combines search with the role filter and still works after injection-looking searches', async () => {
    expect((await list('search=invoice&role=user')).contents).toEqual([contents[0], contents[2]]);
    expect((await list()).total).toBe('5');
  });

  it.each([
    'limit=0',
    'limit=201',
    'offset=-1',
    'role=robot',
    `search=${'x'.repeat(201)}`,
    'search=%20',
    'search=a%00b',
  ])('rejects %s with 422', async (query) => {
    const response = await app.http.get(`/api/v1/sessions/${sessionId}/messages?${query}`, as(owner));
    expectError(response, 422, 'validation_error');
  });
});

describe('GET, PUT, DELETE /api/v1/messages/{id} and feedback', () => {
  it('updates content and metadata; search follows the new content', async () => {
    const created = await createSession();
    const message = await postMessage(created.id, { content: 'first draft', metadata: { v: 1 } });
    const response = await app.http.put(
      `/api/v1/messages/${message.id}`,
      { content: 'final wording' },
      as(member),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ content: 'final wording', metadata: { v: 1 }, role: 'user' });
    const search = await app.http.get(`/api/v1/sessions/${created.id}/messages?search=wording`, as(owner));
    expect(search.body.map((item: { id: string }) => item.id)).toEqual([message.id]);
    const draft = await app.http.get(`/api/v1/sessions/${created.id}/messages?search=draft`, as(owner));
    expect(draft.body).toEqual([]);
    expectError(
      await app.http.put(`/api/v1/messages/${message.id}`, { content: '' }, as(owner)),
      422,
      'validation_error',
    );
    expectError(
      await app.http.put(`/api/v1/messages/${message.id}`, { content: 'x' }, as(reader)),
      403,
      'authorization_error',
    );
  });

  it('accepts the message’s own role (seed 004 sends the whole message); another role is a 422', async () => {
    const created = await createSession();
    const message = await postMessage(created.id, { role: 'assistant', content: 'Draft answer' });
    const same = await app.http.put(
      `/api/v1/messages/${message.id}`,
      { content: 'Final answer', role: 'assistant', metadata: { reviewed: true } },
      as(owner),
    );
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body).toMatchObject({
      role: 'assistant',
      content: 'Final answer',
      metadata: { reviewed: true },
    });
    const roleOnly = await app.http.put(`/api/v1/messages/${message.id}`, { role: 'assistant' }, as(owner));
    expect(roleOnly.body).toEqual(same.body);

    const changed = await app.http.put(
      `/api/v1/messages/${message.id}`,
      { content: 'Sneaky', role: 'user' },
      as(owner),
    );
    expectError(changed, 422, 'validation_error');
    expect(changed.body.validation_errors).toEqual([
      expect.objectContaining({
        field: 'role',
        value: 'user',
        message: expect.stringContaining('cannot change'),
      }),
    ]);
    expectError(
      await app.http.put(`/api/v1/messages/${message.id}`, { role: 'robot' }, as(owner)),
      422,
      'validation_error',
    );
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as(owner))).body).toMatchObject({
      role: 'assistant',
      content: 'Final answer',
    });
    expectError(
      await app.http.put(`/api/v1/messages/${randomUUID()}`, { role: 'user' }, as(owner)),
      404,
      'not_found',
    );
  });

  it('records feedback between -1 and 1 with a reason, replacing earlier feedback', async () => {
    const created = await createSession();
    const message = await postMessage(created.id, { role: 'assistant', content: 'Answer' });
    const url = `/api/v1/messages/${message.id}/feedback`;
    const down = await app.http.post(url, { score: -1, reason: 'wrong' }, as(member));
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ id: message.id, feedback_score: -1, feedback_reason: 'wrong' });
    const graded = await app.http.post(url, { score: 0.5 }, as(owner));
    expect(graded.body).toMatchObject({ feedback_score: 0.5, feedback_reason: null });
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as(owner))).body.feedback_score).toBe(0.5);
    for (const body of [
      { score: 1.5 },
      { score: -2 },
      { score: 5 },
      {},
      { score: 'up' },
      { score: 1, extra: 1 },
    ]) {
      expectError(await app.http.post(url, body, as(owner)), 422, 'validation_error');
    }
    expectError(await app.http.post(url, { score: 1 }, as(reader)), 403, 'authorization_error');
    expectError(
      await app.http.post(`/api/v1/messages/${randomUUID()}/feedback`, { score: 1 }, as(owner)),
      404,
      'not_found',
    );
  });

  it('soft-deletes a message and decrements the session’s count', async () => {
    const created = await createSession();
    const kept = await postMessage(created.id, { content: 'kept' });
    const removed = await postMessage(created.id, { content: 'removed' });
    expect((await app.http.delete(`/api/v1/messages/${removed.id}`, as(reader))).status).toBe(403);
    expect((await app.http.delete(`/api/v1/messages/${removed.id}`, as(owner))).status).toBe(204);
    expect((await session(created.id)).message_count).toBe(1);
    expectError(await app.http.get(`/api/v1/messages/${removed.id}`, as(owner)), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/messages/${removed.id}`, as(owner)), 404, 'not_found');
    expectError(
      await app.http.post(`/api/v1/messages/${removed.id}/feedback`, { score: 1 }, as(owner)),
      404,
      'not_found',
    );
    const listed = await app.http.get(`/api/v1/sessions/${created.id}/messages`, as(owner));
    expect(listed.body.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect((await session(created.id)).message_count).toBe(1);
  });

  it('answers 403 for another organization’s message and 422 for a malformed id', async () => {
    const theirs = (await app.http.post('/api/v1/sessions', { agent_id: strangerAgentId }, as(stranger)))
      .body;
    const message = (
      await app.http.post(`/api/v1/sessions/${theirs.id}/messages`, { content: 'theirs' }, as(stranger))
    ).body;
    expectError(await app.http.get(`/api/v1/messages/${message.id}`, as(owner)), 403, 'authorization_error');
    expectError(
      await app.http.delete(`/api/v1/messages/${message.id}`, as(owner)),
      403,
      'authorization_error',
    );
    expectError(await app.http.get('/api/v1/messages/123', as(owner)), 422, 'validation_error');
    expect((await app.http.get(`/api/v1/messages/${message.id}`, as(stranger))).body.content).toBe('theirs');
  });
});

describe('counters under concurrency', () => {
  it('counts 40 concurrent messages exactly, and concurrent deletes too', async () => {
    const created = await createSession();
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        app.http.post(`/api/v1/sessions/${created.id}/messages`, { content: `message ${index}` }, as(owner)),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(40).fill(201));
    expect((await session(created.id)).message_count).toBe(40);
    const listed = await app.http.get(`/api/v1/sessions/${created.id}/messages?limit=200`, as(owner));
    expect(listed.body).toHaveLength(40);
    expect(listed.headers.get('x-total-count')).toBe('40');

    const doomed = (listed.body as { id: string }[]).slice(0, 10);
    const deletes = await Promise.all(
      [...doomed, ...doomed].map((message) => app.http.delete(`/api/v1/messages/${message.id}`, as(owner))),
    );
    expect(deletes.filter((response) => response.status === 204)).toHaveLength(10);
    expect(deletes.filter((response) => response.status === 404)).toHaveLength(10);
    expect((await session(created.id)).message_count).toBe(30);
  });
});
