import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { waitForRun } from './support/analysis.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Project isolation inside one organization, the way test/tenant-isolation.test.ts checks
 * organizations: every API route that names a resource by id is called with an API key of project
 * one on project two's resources. Each must answer 403 and change nothing, and no list shows them.
 * Routes come from the OpenAPI document, so a new route under these collections is checked too.
 */
let app: TestApp;
let owner: TestAccount;
let projectKey: string;
const resources: Record<string, string> = {};

/** The collections whose resources live in a project, or are reached through one that does. */
const scopedCollections = [
  'agents',
  'sessions',
  'messages',
  'files',
  'runs',
  'projects',
  'api-keys',
  'assignments',
  'analysis',
  'proposals',
];
/** Organization-level routes: refused to a project-scoped key whatever the id (the guard). */
const organizationCollections = ['users', 'channels'];
/** Authenticated by a channel's signature, not by a bearer credential. */
const signedRoutes = ['POST /api/v1/channels/{id}/slack/events', 'POST /api/v1/channels/{id}/inbound'];

/** A valid request body per route, so that only the project scope can refuse it. */
const bodies: Record<string, unknown> = {
  'PUT /api/v1/agents/{id}': { role: 'hijacked' },
  'PATCH /api/v1/agents/{id}': { role: 'hijacked' },
  'PUT /api/v1/agents/{id}/configuration': { role: 'hijacked' },
  'POST /api/v1/agents/{id}/configuration/rollback': { version: 1 },
  'PUT /api/v1/sessions/{id}': { title: 'hijacked', status: 'archived' },
  'PATCH /api/v1/sessions/{id}': { title: 'hijacked', status: 'archived' },
  'POST /api/v1/sessions/{id}/messages': { content: 'hijacked' },
  'PUT /api/v1/messages/{id}': { content: 'hijacked' },
  'POST /api/v1/messages/{id}/feedback': { score: -1, reason: 'hijacked' },
  'POST /api/v1/agents/{id}/execute': { message: 'hijacked' },
  'POST /api/v1/agents/{id}/execute/stream': { message: 'hijacked' },
  'POST /api/v1/agents/{id}/chat': { message: 'hijacked' },
  'POST /api/v1/agents/{id}/preview-context': { message: 'hijacked' },
  'POST /api/v1/agents/{id}/test': { prompt: 'hijacked' },
  'POST /api/v1/agents/{id}/files': { file_id: '01973b10-0000-7000-8000-000000000000' },
  'PATCH /api/v1/agents/{id}/files/{file_id}': { order_index: 7 },
  'POST /api/v1/agents/{id}/knowledge/search': { query: 'private' },
  'POST /api/v1/agents/{id}/tasks': { task_type: 'hijacked', queue: true },
  'POST /api/v1/agents/{id}/tasks/{task_id}/queue': {},
  'POST /api/v1/agents/{id}/tasks/{task_id}/cancel': {},
  'POST /api/v1/agents/{id}/tasks/{task_id}/retry': {},
  'POST /api/v1/agents/{id}/task-schedules': { name: 'hijacked', cron: '* * * * *', task_type: 'hijacked' },
  'PATCH /api/v1/agents/{id}/task-schedules/{schedule_id}': { cron: '* * * * *', enabled: true },
  'POST /api/v1/agents/{id}/assignments': { task_definition_id: '01973e10-0000-7000-8000-000000000000' },
  'PATCH /api/v1/assignments/{id}': { is_active: false },
  'POST /api/v1/assignments/{id}/execute': { input: 'hijacked' },
  'POST /api/v1/analysis/runs/{id}/start': {},
  'POST /api/v1/analysis/runs/{id}/cancel': {},
  'POST /api/v1/analysis/runs/{id}/rerun': {},
  'POST /api/v1/analysis/runs/{id}/proposals/approve': { all: true },
  'POST /api/v1/analysis/runs/{id}/proposals/reject': { all: true, reason: 'hijacked' },
  'POST /api/v1/proposals/{id}/approve': {},
  'POST /api/v1/proposals/{id}/reject': { reason: 'hijacked' },
  'PATCH /api/v1/projects/{id}': { name: 'hijacked' },
  'PATCH /api/v1/users/{id}': { role: 'readonly' },
  'PATCH /api/v1/channels/{id}': { enabled: false },
};
const knownParameters = new Set([
  '{id}',
  '{version}',
  '{file_id}',
  '{task_id}',
  '{schedule_id}',
  '{task_definition_id}',
]);

const asOwner = () => ({ token: owner.token });

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  const [mine, theirs] = await Promise.all(
    ['Mine', 'Theirs'].map(
      async (name) => (await app.http.post('/api/v1/projects', { name }, asOwner())).body.id,
    ),
  );
  resources.projects = theirs as string;
  resources['own-project'] = mine as string;
  const agent = await app.http.post('/api/v1/agents', { name: 'Theirs', project_id: theirs }, asOwner());
  resources.agents = agent.body.id;
  await app.http.patch(`/api/v1/agents/${resources.agents}`, { role: 'v2' }, asOwner());
  const session = await app.http.post('/api/v1/sessions', { agent_id: resources.agents }, asOwner());
  resources.sessions = session.body.id;
  resources.messages = (
    await app.http.post(`/api/v1/sessions/${resources.sessions}/messages`, { content: 'Private' }, asOwner())
  ).body.id;
  resources.runs = (
    await app.http.post(`/api/v1/agents/${resources.agents}/test`, { prompt: 'Private run' }, asOwner())
  ).body.run_id;
  resources.files = (
    await app.http.upload(
      '/api/v1/files',
      { filename: 'private.txt', content: `Private ${randomUUID()}` },
      { project_id: theirs as string },
      asOwner(),
    )
  ).body.id;
  await app.http.post(`/api/v1/agents/${resources.agents}/files`, { file_id: resources.files }, asOwner());
  resources.tasks = (
    await app.http.post(`/api/v1/agents/${resources.agents}/tasks`, { task_type: 'private_task' }, asOwner())
  ).body.id;
  resources['task-schedules'] = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/task-schedules`,
      { name: 'Private schedule', cron: '0 0 1 1 *', task_type: 'private_task', enabled: false },
      asOwner(),
    )
  ).body.id;
  resources['task-definitions'] = (
    await app.http.post(
      '/api/v1/task-definitions',
      {
        name: 'Private analysis',
        response_schema: { type: 'object', properties: { label: { type: 'string' } } },
      },
      asOwner(),
    )
  ).body.id;
  resources.assignments = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/assignments`,
      { task_definition_id: resources['task-definitions'] },
      asOwner(),
    )
  ).body.id;
  resources.analysis = (
    await app.http.post(
      '/api/v1/analysis/runs',
      { assignment_id: resources.assignments, source: { type: 'inline', items: ['Private item'] } },
      asOwner(),
    )
  ).body.id;
  await app.http.post(`/api/v1/analysis/runs/${resources.analysis}/start`, undefined, asOwner());
  await waitForRun(app.http, owner, resources.analysis as string, ['completed']);
  resources.proposals = (
    await app.http.get(`/api/v1/analysis/runs/${resources.analysis}/proposals`, asOwner())
  ).body[0].id;
  resources['api-keys'] = (await app.http.post('/api/v1/api-keys', { name: 'Org key' }, asOwner())).body.id;
  resources.users = owner.userId;
  resources.channels = randomUUID();
  for (const [name, value] of Object.entries(resources)) expect(value, name).toEqual(expect.any(String));
  projectKey = (await app.http.post('/api/v1/api-keys', { name: 'Mine', project_id: mine }, asOwner())).body
    .key;
});
afterAll(() => app.close());

async function documentedRoutes() {
  const { body: document } = await app.http.get('/openapi.json');
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
}

describe('a key of another project of the organization', () => {
  it('gets 403 on every route that names one of the project’s resources, and changes nothing', async () => {
    const runsOf = async () =>
      (await app.http.get(`/api/v1/runs?agent_id=${resources.agents}`, asOwner())).body.map(
        (run: { id: string }) => run.id,
      );
    const runsBefore = await runsOf();
    expect(runsBefore).toContain(resources.runs);
    const checked: string[] = [];
    for (const { method, path } of await documentedRoutes()) {
      const key = `${method} ${path}`;
      const collection = path.split('/')[3] as string;
      if (!path.startsWith('/api/v1/') || !path.includes('{id}') || signedRoutes.includes(key)) continue;
      if (![...scopedCollections, ...organizationCollections].includes(collection)) continue;
      const parameters = path.match(/\{[a-z_]+\}/g) ?? [];
      const url = path
        .replace('{id}', resources[collection] as string)
        .replace('{version}', '1')
        .replace('{file_id}', resources.files as string)
        .replace('{task_id}', resources.tasks as string)
        .replace('{schedule_id}', resources['task-schedules'] as string)
        .replace('{task_definition_id}', resources['task-definitions'] as string)
        .replace(/\{[a-z_]+\}/g, () => randomUUID());
      const needsBody = ['POST', 'PUT', 'PATCH'].includes(method);
      const response = await app.http.request(method, url, needsBody ? (bodies[key] ?? {}) : undefined, {
        token: projectKey,
      });
      // A route added since (its body or parameters unknown here) may be refused by validation
      // first: refused either way, and nothing changes (checked below).
      const unknown =
        (needsBody && !(key in bodies)) || parameters.some((parameter) => !knownParameters.has(parameter));
      expect(unknown ? [403, 422] : [403], `${key}: ${JSON.stringify(response.body)}`).toContain(
        response.status,
      );
      checked.push(key);
    }
    expect(checked.length).toBeGreaterThanOrEqual(60);

    const agent = await app.http.get(`/api/v1/agents/${resources.agents}`, asOwner());
    expect(agent.body).toMatchObject({
      status: 'active',
      role: 'v2',
      version: 2,
      project_id: resources.projects,
    });
    const session = await app.http.get(`/api/v1/sessions/${resources.sessions}`, asOwner());
    expect(session.body).toMatchObject({
      status: 'active',
      message_count: 1,
      project_id: resources.projects,
    });
    const message = await app.http.get(`/api/v1/messages/${resources.messages}`, asOwner());
    expect(message.body).toMatchObject({ content: 'Private', feedback_score: null });
    const file = await app.http.get(`/api/v1/files/${resources.files}`, asOwner());
    expect(file.body).toMatchObject({ attached_agents: 1, project_id: resources.projects });
    expect(await runsOf()).toEqual(runsBefore);
    const task = await app.http.get(`/api/v1/agents/${resources.agents}/tasks/${resources.tasks}`, asOwner());
    expect(task.body).toMatchObject({ status: 'pending', attempt_count: 0 });
    const assignment = await app.http.get(`/api/v1/assignments/${resources.assignments}`, asOwner());
    expect(assignment.body.is_active).toBe(true);
    const analysis = await app.http.get(`/api/v1/analysis/runs/${resources.analysis}`, asOwner());
    expect(analysis.body).toMatchObject({ status: 'completed', proposals_pending: 1 });
    const project = await app.http.get(`/api/v1/projects/${resources.projects}`, asOwner());
    expect(project.body.name).toBe('Theirs');
    const key = await app.http.get(`/api/v1/api-keys/${resources['api-keys']}`, asOwner());
    expect(key.body.revoked_at).toBeNull();
  });

  it('finds none of them in a list, nor through the OpenAI-compatible facade', async () => {
    const lists: [string, string][] = [
      ['/api/v1/agents', 'agents'],
      ['/api/v1/sessions', 'sessions'],
      ['/api/v1/files', 'files'],
      ['/api/v1/runs', 'runs'],
      ['/api/v1/tasks', 'tasks'],
      ['/api/v1/assignments', 'assignments'],
      ['/api/v1/analysis/runs', 'analysis'],
      ['/api/v1/projects', 'projects'],
      ['/api/v1/api-keys', 'api-keys'],
    ];
    for (const [path, collection] of lists) {
      const response = await app.http.get(path, { token: projectKey });
      expect(response.status, path).toBe(200);
      expect(
        (response.body as { id: string }[]).map((item) => item.id),
        path,
      ).not.toContain(resources[collection]);
    }
    const model = await app.http.get(`/v1/models/${resources.agents}`, { token: projectKey });
    expect(model.status).toBe(404);
    expect(model.body).toMatchObject({ error: { code: 'model_not_found' } });
  });
});
