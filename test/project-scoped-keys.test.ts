import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * An API key made for a project: it sees and creates that project's resources only, and the
 * organization-level routes refuse it. Project one holds its own agent, session, file, run, task
 * and assignment; so do project two and the organization at large, which the key must never see.
 */
let app: TestApp;
let admin: TestAccount;
let key: string;
let readerKey: string;
const own: Record<string, string> = {};
const foreign: Record<string, string> = {};
const organizationWide: Record<string, string> = {};

const asAdmin = () => ({ token: admin.token });
const asKey = () => ({ token: key });
const idsOf = (response: ApiResponse) => (response.body as { id: string }[]).map((item) => item.id);

/** An agent of `project` with a session, a message, a file, a test run, a task and an assignment. */
async function populate(into: Record<string, string>, project: string | null) {
  const agent = await app.http.post(
    '/api/v1/agents',
    { name: 'Scoped agent', project_id: project },
    asAdmin(),
  );
  into.agent = agent.body.id;
  const session = await app.http.post('/api/v1/sessions', { agent_id: into.agent }, asAdmin());
  into.session = session.body.id;
  into.message = (
    await app.http.post(`/api/v1/sessions/${into.session}/messages`, { content: 'Hello' }, asAdmin())
  ).body.id;
  const file = await app.http.upload(
    '/api/v1/files',
    { filename: 'notes.txt', content: `Notes ${randomUUID()}` },
    project ? { project_id: project } : {},
    asAdmin(),
  );
  into.file = file.body.id;
  into.run = (
    await app.http.post(`/api/v1/agents/${into.agent}/test`, { prompt: 'Hello' }, asAdmin())
  ).body.run_id;
  into.task = (
    await app.http.post(`/api/v1/agents/${into.agent}/tasks`, { task_type: 'scoped_task' }, asAdmin())
  ).body.id;
  const definition = await app.http.post(
    '/api/v1/task-definitions',
    { name: `Definition ${randomUUID()}`, response_schema: { type: 'object' } },
    asAdmin(),
  );
  into.definition = definition.body.id;
  into.assignment = (
    await app.http.post(
      `/api/v1/agents/${into.agent}/assignments`,
      { task_definition_id: definition.body.id },
      asAdmin(),
    )
  ).body.id;
  for (const [name, value] of Object.entries(into)) expect(value, name).toEqual(expect.any(String));
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await registerAccount(app.http, 'Scoped Admin');
  const [one, two] = await Promise.all(
    ['One', 'Two'].map(
      async (name) => (await app.http.post('/api/v1/projects', { name }, asAdmin())).body.id,
    ),
  );
  own.project = one;
  foreign.project = two;
  await populate(own, one);
  await populate(foreign, two);
  await populate(organizationWide, null);
  const created = await app.http.post(
    '/api/v1/api-keys',
    { name: 'Project one admin', project_id: own.project },
    asAdmin(),
  );
  expect(created.body).toMatchObject({ role: 'org_admin', project_id: own.project });
  key = created.body.key;
  own.apiKey = created.body.id;
  readerKey = (
    await app.http.post(
      '/api/v1/api-keys',
      { name: 'Project one reader', role: 'readonly', project_id: own.project },
      asAdmin(),
    )
  ).body.key;
});
afterAll(() => app.close());

describe('a project-scoped key', () => {
  it('says which project it is for', async () => {
    const me = await app.http.get('/api/v1/me', asKey());
    expect(me.body).toMatchObject({ principal_type: 'api_key', api_key: { project_id: own.project } });
    const projects = await app.http.get('/api/v1/projects', asKey());
    expect(idsOf(projects)).toEqual([own.project]);
    expect(projects.headers.get('x-total-count')).toBe('1');
    expect((await app.http.get(`/api/v1/projects/${own.project}`, asKey())).body.name).toBe('One');
    expectError(
      await app.http.get(`/api/v1/projects/${foreign.project}`, asKey()),
      403,
      'authorization_error',
    );
  });

  it('lists only its project’s agents, sessions, files, runs, tasks, assignments and messages', async () => {
    const lists: [string, string][] = [
      ['/api/v1/agents', 'agent'],
      ['/api/v1/sessions', 'session'],
      ['/api/v1/files', 'file'],
      ['/api/v1/runs', 'run'],
      ['/api/v1/tasks', 'task'],
      ['/api/v1/assignments', 'assignment'],
      [`/api/v1/task-definitions/${own.definition}/agents`, 'assignment'],
    ];
    for (const [path, resource] of lists) {
      const response = await app.http.get(path, asKey());
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(idsOf(response), path).toEqual([own[resource]]);
    }
    // Filters cannot reach past the project: naming another project or its agent finds nothing.
    for (const path of [
      `/api/v1/agents?project_id=${foreign.project}`,
      `/api/v1/sessions?agent_id=${foreign.agent}`,
      `/api/v1/files?project_id=${foreign.project}`,
      `/api/v1/runs?agent_id=${foreign.agent}`,
      `/api/v1/tasks?agent_id=${foreign.agent}`,
    ]) {
      const response = await app.http.get(path, asKey());
      expect(response.body, path).toEqual([]);
      expect(response.headers.get('x-total-count'), path).toBe('0');
    }
    const messages = await app.http.get(`/api/v1/sessions/${own.session}/messages`, asKey());
    expect(idsOf(messages)).toEqual([own.message]);
    const stats = await app.http.get('/api/v1/tasks/stats', asKey());
    expect(stats.body.agents.map((agent: { agent_id: string }) => agent.agent_id)).toEqual([own.agent]);
    const models = await app.http.get('/v1/models', asKey());
    expect(models.body.data.map((model: { id: string }) => model.id)).toEqual([own.agent]);
  });

  it('reads its project’s resources and gets 403 for another project’s or the organization’s', async () => {
    const reads: [string, (ids: Record<string, string>) => string][] = [
      ['agent', (ids) => `/api/v1/agents/${ids.agent}`],
      ['agent history', (ids) => `/api/v1/agents/${ids.agent}/history`],
      ['agent tasks', (ids) => `/api/v1/agents/${ids.agent}/tasks/${ids.task}`],
      ['session', (ids) => `/api/v1/sessions/${ids.session}`],
      ['messages', (ids) => `/api/v1/sessions/${ids.session}/messages`],
      ['message', (ids) => `/api/v1/messages/${ids.message}`],
      ['file', (ids) => `/api/v1/files/${ids.file}`],
      ['file content', (ids) => `/api/v1/files/${ids.file}/content`],
      ['run', (ids) => `/api/v1/runs/${ids.run}`],
      ['assignment', (ids) => `/api/v1/assignments/${ids.assignment}`],
    ];
    for (const [label, path] of reads) {
      expect((await app.http.get(path(own), asKey())).status, label).toBe(200);
      for (const other of [foreign, organizationWide]) {
        const response = await app.http.get(path(other), asKey());
        expectError(response, 403, 'authorization_error');
      }
    }
    const chat = await app.http.post(`/api/v1/agents/${foreign.agent}/chat`, { message: 'Hi' }, asKey());
    expectError(chat, 403, 'authorization_error');
    const facade = await app.http.post(
      '/v1/chat/completions',
      { model: foreign.agent, messages: [{ role: 'user', content: 'Hi' }] },
      asKey(),
    );
    expect(facade.status).toBe(404);
  });

  it('cannot reach another project’s agent through the turn cache an organization-wide caller filled', async () => {
    const warm = await app.http.post(`/api/v1/agents/${foreign.agent}/chat`, { message: 'Hi' }, asAdmin());
    expect(warm.status).toBe(200);
    for (const path of ['chat', 'execute', 'test']) {
      const body = path === 'test' ? { prompt: 'Hi' } : { message: 'Hi' };
      const response = await app.http.post(`/api/v1/agents/${foreign.agent}/${path}`, body, asKey());
      expectError(response, 403, 'authorization_error');
    }
  });

  it('changes nothing of another project’s (403)', async () => {
    const writes: [string, string, unknown][] = [
      ['PATCH', `/api/v1/agents/${foreign.agent}`, { role: 'hijacked' }],
      ['DELETE', `/api/v1/agents/${foreign.agent}`, undefined],
      ['PATCH', `/api/v1/sessions/${foreign.session}`, { title: 'hijacked' }],
      ['POST', `/api/v1/sessions/${foreign.session}/messages`, { content: 'hijacked' }],
      ['PUT', `/api/v1/messages/${foreign.message}`, { content: 'hijacked' }],
      ['DELETE', `/api/v1/messages/${foreign.message}`, undefined],
      ['DELETE', `/api/v1/sessions/bulk-delete`, { session_ids: [own.session, foreign.session] }],
      ['DELETE', `/api/v1/files/${foreign.file}`, undefined],
      ['POST', `/api/v1/agents/${own.agent}/files`, { file_id: foreign.file }],
      ['POST', '/api/v1/sessions', { agent_id: foreign.agent }],
      ['PATCH', `/api/v1/assignments/${foreign.assignment}`, { is_active: false }],
    ];
    for (const [method, path, body] of writes) {
      const response = await app.http.request(method, path, body, asKey());
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(403);
    }
    const agent = await app.http.get(`/api/v1/agents/${foreign.agent}`, asAdmin());
    expect(agent.body).toMatchObject({ status: 'active', version: 1, project_id: foreign.project });
    expect((await app.http.get(`/api/v1/sessions/${foreign.session}`, asAdmin())).body).toMatchObject({
      title: 'Hello',
      message_count: 1,
    });
    expect((await app.http.get(`/api/v1/sessions/${own.session}`, asAdmin())).status).toBe(200);
    expect((await app.http.get(`/api/v1/messages/${foreign.message}`, asAdmin())).body.content).toBe('Hello');
    expect((await app.http.get(`/api/v1/files/${foreign.file}`, asAdmin())).status).toBe(200);
    expect((await app.http.get(`/api/v1/agents/${own.agent}/files`, asAdmin())).body).toEqual([]);
    expect((await app.http.get(`/api/v1/assignments/${foreign.assignment}`, asAdmin())).body.is_active).toBe(
      true,
    );
  });

  it('creates in its project, whatever the request names; naming another project is 403', async () => {
    const agent = await app.http.post('/api/v1/agents', { name: 'Made by the key' }, asKey());
    expect(agent.status).toBe(201);
    expect(agent.body.project_id).toBe(own.project);
    const fromTemplate = await app.http.post('/api/v1/agents/templates/customer-support', undefined, asKey());
    expect(fromTemplate.body.project_id).toBe(own.project);
    const session = await app.http.post('/api/v1/sessions', { title: 'No agent' }, asKey());
    expect(session.body.project_id).toBe(own.project);
    const file = await app.http.upload(
      '/api/v1/files',
      { filename: 'key.txt', content: 'By the key' },
      {},
      asKey(),
    );
    expect(file.body.project_id).toBe(own.project);
    const chat = await app.http.post(`/api/v1/agents/${own.agent}/chat`, { message: 'Hi' }, asKey());
    expect(chat.status).toBe(200);
    const started = await app.http.get(`/api/v1/sessions/${chat.body.session_id}`, asKey());
    expect(started.body).toMatchObject({ agent_id: own.agent, project_id: own.project });

    const before = (await app.http.get('/api/v1/agents', asAdmin())).headers.get('x-total-count');
    for (const response of [
      await app.http.post('/api/v1/agents', { name: 'Elsewhere', project_id: foreign.project }, asKey()),
      await app.http.post('/api/v1/agents', { name: 'Nowhere', project_id: null }, asKey()),
      await app.http.post('/api/v1/sessions', { project_id: foreign.project }, asKey()),
      await app.http.upload(
        '/api/v1/files',
        { filename: 'x.txt', content: 'x' },
        { project_id: foreign.project as string },
        asKey(),
      ),
      await app.http.post('/api/v1/api-keys', { name: 'Elsewhere', project_id: foreign.project }, asKey()),
      await app.http.patch(`/api/v1/agents/${own.agent}`, { project_id: foreign.project }, asKey()),
    ]) {
      expectError(response, 403, 'authorization_error');
    }
    expect((await app.http.get('/api/v1/agents', asAdmin())).headers.get('x-total-count')).toBe(before);
    expect((await app.http.get(`/api/v1/agents/${own.agent}`, asAdmin())).body.project_id).toBe(own.project);
  });

  it('makes and manages keys of its own project only', async () => {
    const made = await app.http.post(
      '/api/v1/api-keys',
      { name: 'Made by the key', role: 'readonly' },
      asKey(),
    );
    expect(made.status).toBe(201);
    expect(made.body.project_id).toBe(own.project);
    const listed = await app.http.get('/api/v1/api-keys', asKey());
    expect(listed.body.every((item: { project_id: string }) => item.project_id === own.project)).toBe(true);
    expect(idsOf(listed)).toEqual(expect.arrayContaining([own.apiKey, made.body.id]));
    const adminsKey = await app.http.post('/api/v1/api-keys', { name: 'Organization key' }, asAdmin());
    expectError(
      await app.http.get(`/api/v1/api-keys/${adminsKey.body.id}`, asKey()),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.delete(`/api/v1/api-keys/${adminsKey.body.id}`, asKey()),
      403,
      'authorization_error',
    );
    expect(
      (await app.http.get(`/api/v1/api-keys/${adminsKey.body.id}`, asAdmin())).body.revoked_at,
    ).toBeNull();
    // The key it made is scoped too.
    const agents = await app.http.get('/api/v1/agents', { token: made.body.key });
    expect(agents.body.every((agent: { project_id: string }) => agent.project_id === own.project)).toBe(true);
  });

  it('is refused the organization-level routes (403), but reads providers and task definitions', async () => {
    const refused: [string, string, unknown][] = [
      ['POST', '/api/v1/projects', { name: 'Mine' }],
      ['PATCH', `/api/v1/projects/${own.project}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/projects/${own.project}`, undefined],
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/providers', { name: 'Mine', type: 'offline' }],
      ['GET', '/api/v1/channels', undefined],
      ['GET', '/api/v1/events', undefined],
      ['POST', '/api/v1/task-definitions', { name: 'Mine', response_schema: { type: 'object' } }],
      ['PATCH', `/api/v1/task-definitions/${own.definition}`, { name: 'Renamed' }],
      ['PUT', '/api/v1/knowledge/settings', { embedding_provider_id: null }],
    ];
    for (const [method, path, body] of refused) {
      const response = await app.http.request(method, path, body, asKey());
      expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(403);
      expect((response.body as { code: string }).code).toBe('authorization_error');
    }
    expect((await app.http.get(`/api/v1/projects/${own.project}`, asAdmin())).body.name).toBe('One');
    for (const path of ['/api/v1/providers', '/api/v1/task-definitions', '/api/v1/knowledge/settings']) {
      expect((await app.http.get(path, asKey())).status, path).toBe(200);
    }
  });

  it('keeps its role: a readonly project key reads its project and writes nothing', async () => {
    expect(idsOf(await app.http.get('/api/v1/agents', { token: readerKey }))).toEqual(
      expect.arrayContaining([own.agent]),
    );
    expectError(
      await app.http.post('/api/v1/agents', { name: 'No' }, { token: readerKey }),
      403,
      'authorization_error',
    );
  });
});

describe('API keys made for a project', () => {
  it('refuses a project that is not the organization’s with 422 naming project_id', async () => {
    const other = await registerAccount(app.http, 'Other');
    const theirs = await app.http.post('/api/v1/projects', { name: 'Theirs' }, { token: other.token });
    const before = (await app.http.get('/api/v1/api-keys', asAdmin())).body.length;
    for (const project of [randomUUID(), theirs.body.id]) {
      const response = await app.http.post(
        '/api/v1/api-keys',
        { name: 'Lost', project_id: project },
        asAdmin(),
      );
      expectError(response, 422, 'validation_error');
      expect(response.body.validation_errors).toEqual([expect.objectContaining({ field: 'project_id' })]);
    }
    expectError(
      await app.http.post('/api/v1/api-keys', { name: 'Bad', project_id: 'one' }, asAdmin()),
      422,
      'validation_error',
    );
    expect((await app.http.get('/api/v1/api-keys', asAdmin())).body.length).toBe(before);
  });
});
