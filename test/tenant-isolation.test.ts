import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { waitForRun } from './support/analysis.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Calls every API route that names a resource with a second organization's token and API key:
 * each must answer 403 (the OpenAI-compatible facade: 404 model_not_found) and change nothing; every
 * list must show none of the first organization's resources. Routes come from the OpenAPI document,
 * so a new route without a case here fails.
 */
let app: TestApp;
let owner: TestAccount;
let intruder: TestAccount;
let intruderKey: string;
const resources: Record<string, string> = {};

/** A valid request body per route, so that only authorization can refuse it. */
const bodies: Record<string, unknown> = {
  'PUT /api/v1/agents/{id}': { role: 'hijacked' },
  'PATCH /api/v1/agents/{id}': { role: 'hijacked' },
  'PATCH /api/v1/budgets/{id}': { token_limit: 1 },
  'PUT /api/v1/agents/{id}/configuration': { role: 'hijacked' },
  'POST /api/v1/agents/{id}/configuration/rollback': { version: 1 },
  'PATCH /api/v1/users/{id}': { role: 'readonly' },
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
  'PUT /api/v1/providers/{id}': { name: 'hijacked', is_active: false },
  'PATCH /api/v1/providers/{id}': { name: 'hijacked', is_active: false },
  'POST /api/v1/providers/{id}/validate': {},
  'POST /api/v1/agents/{id}/files': { file_id: '01973b10-0000-7000-8000-000000000000' },
  'PATCH /api/v1/agents/{id}/files/{file_id}': { order_index: 7 },
  'POST /api/v1/agents/{id}/knowledge/search': { query: 'private' },
  'POST /api/v1/agents/{id}/memories': { content: 'hijacked', scope: 'agent' },
  'POST /api/v1/agents/{id}/memories/search': { query: 'private' },
  'PATCH /api/v1/memories/{id}': { content: 'hijacked' },
  'POST /api/v1/agents/{id}/tasks': { task_type: 'hijacked', queue: true },
  'POST /api/v1/agents/{id}/tasks/{task_id}/queue': {},
  'POST /api/v1/agents/{id}/tasks/{task_id}/cancel': {},
  'POST /api/v1/agents/{id}/tasks/{task_id}/retry': {},
  'POST /api/v1/agents/{id}/task-schedules': { name: 'hijacked', cron: '* * * * *', task_type: 'hijacked' },
  'PATCH /api/v1/agents/{id}/task-schedules/{schedule_id}': { cron: '* * * * *', enabled: true },
  'PATCH /api/v1/channels/{id}': { enabled: false, name: 'hijacked' },
  'PUT /api/v1/task-definitions/{id}': { name: 'hijacked', is_active: false },
  'PATCH /api/v1/task-definitions/{id}': { name: 'hijacked', is_active: false },
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
  'POST /api/v1/agents/{id}/contexts': { name: 'Private context', data: { hijacked: true } },
  'PUT /api/v1/contexts/{id}': { data: { hijacked: true } },
  'POST /api/v1/contexts/{id}/rollback': { version: 1 },
  'PUT /api/v1/contexts/{id}/shares/{agent_id}': { access: 'read_write' },
  'PATCH /api/v1/projects/{id}': { name: 'hijacked', description: 'hijacked' },
  'PATCH /api/v1/tools/{id}': { enabled: false },
  'POST /api/v1/tools/{id}/test': { arguments: {} },
  'PUT /api/v1/mcp-servers/{id}': { description: 'hijacked', enabled: false },
  'PATCH /api/v1/mcp-servers/{id}': { description: 'hijacked', enabled: false },
  'POST /api/v1/mcp-servers/{id}/refresh': {},
};
/**
 * Routes that senders outside Agentry call, authenticated by the channel's signing secret instead
 * of a bearer token: a bearer token of any organization is no signature (401), and a channel of
 * another kind is not found (404). Either way nothing is created (the task list is checked below).
 */
const signedRoutes = ['POST /api/v1/channels/{id}/slack/events', 'POST /api/v1/channels/{id}/inbound'];
const listRoutes = [
  '/api/v1/agents',
  '/api/v1/users',
  '/api/v1/api-keys',
  '/api/v1/sessions',
  '/api/v1/runs',
  '/api/v1/providers',
  '/api/v1/providers/ollama/models',
  '/api/v1/files',
  '/api/v1/tasks',
  '/api/v1/channels',
  '/api/v1/task-definitions',
  '/api/v1/assignments',
  '/api/v1/analysis/runs',
  '/api/v1/projects',
  '/api/v1/tools',
  '/api/v1/mcp-servers',
  '/api/v1/budgets',
];
const ownRoutes = [
  '/api/v1/me',
  '/api/v1/events',
  '/api/v1/ws',
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
  '/api/v1/health/services',
  // The templates are the same for everyone; what POST creates from one is the caller's own.
  '/api/v1/agents/templates',
  // The organization's own knowledge settings.
  '/api/v1/knowledge/settings',
  // The organization's own task statistics.
  '/api/v1/tasks/stats',
  // The registry of agent kinds is the same for every organization, and read-only.
  '/api/v1/agent-definitions',
  '/api/v1/agent-definitions/{slug}',
  // The organization's own usage (an object, not a list).
  '/api/v1/usage',
];
const creationRoutes = [
  'POST /api/v1/agents',
  'POST /api/v1/users',
  'POST /api/v1/api-keys',
  'POST /api/v1/providers',
  'POST /api/v1/agents/templates/{name}',
  'POST /api/v1/files',
  'POST /api/v1/task-definitions',
  'POST /api/v1/projects',
  'POST /api/v1/tools',
  'POST /api/v1/mcp-servers',
  'POST /api/v1/agents/import',
];
/**
 * The OpenAI-compatible facade names our agent as a model: it answers as OpenAI does for a model
 * the key cannot use (404 model_not_found, in OpenAI's error body), and never runs the agent.
 */
const facadeRequests: Record<string, () => { url: string; body?: unknown }> = {
  'GET /v1/models/{model}': () => ({ url: `/v1/models/${resources.agents}` }),
  'POST /v1/chat/completions': () => ({
    url: '/v1/chat/completions',
    body: { model: resources.agents, messages: [{ role: 'user', content: 'hijacked' }] },
  }),
};
const facadeLists = ['/v1/models'];
/** Routes without an id in the path whose body names our resources: each must answer 403 too. */
const bodyReferences: Record<string, () => unknown> = {
  'POST /api/v1/sessions': () => ({ agent_id: resources.agents }),
  'POST /api/v1/sessions/bulk-create': () => [{ agent_id: resources.agents }],
  'DELETE /api/v1/sessions/bulk-delete': () => ({ session_ids: [resources.sessions] }),
  'POST /api/v1/channels': () => ({
    name: 'hijacked',
    kind: 'webhook',
    agent_id: resources.agents,
    credentials: { signing_secret: 'hijacked-secret-0123456789' },
  }),
  'POST /api/v1/analysis/runs': () => ({
    assignment_id: resources.analysisAssignment,
    source: { type: 'inline', items: ['hijacked'] },
  }),
  'POST /api/v1/analysis/comparisons': () => ({ run_a: resources.analysis, run_b: resources.analysis }),
  'POST /api/v1/budgets': () => ({ agent_id: resources.agents, token_limit: 1 }),
};

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
  intruder = await registerAccount(app.http, 'Intruder');
  const agent = await app.http.post(
    '/api/v1/agents',
    { name: 'Private agent', tags: ['secret'] },
    { token: owner.token },
  );
  await app.http.patch(`/api/v1/agents/${agent.body.id}`, { role: 'v2' }, { token: owner.token });
  resources.agents = agent.body.id;
  resources.users = (await addMember(app.http, owner, 'agent_user')).userId;
  resources['api-keys'] = (
    await app.http.post('/api/v1/api-keys', { name: 'owner key' }, { token: owner.token })
  ).body.id;
  const session = await app.http.post(
    '/api/v1/sessions',
    { agent_id: resources.agents, title: 'Private session' },
    { token: owner.token },
  );
  resources.sessions = session.body.id;
  resources.messages = (
    await app.http.post(
      `/api/v1/sessions/${session.body.id}/messages`,
      { content: 'Private message' },
      { token: owner.token },
    )
  ).body.id;
  // A test run (no session, so the session's counts below stay as they are).
  resources.runs = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/test`,
      { prompt: 'Private run' },
      { token: owner.token },
    )
  ).body.run_id;
  resources.providers = (
    await app.http.post(
      '/api/v1/providers',
      { name: 'Private provider', type: 'offline' },
      { token: owner.token },
    )
  ).body.id;
  resources.files = (
    await app.http.upload(
      '/api/v1/files',
      { filename: 'private.txt', content: 'Private knowledge' },
      { purpose: 'agent_context' },
      { token: owner.token },
    )
  ).body.id;
  await app.http.post(
    `/api/v1/agents/${resources.agents}/files`,
    { file_id: resources.files },
    { token: owner.token },
  );
  resources.memories = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/memories`,
      { content: 'Private memory', scope: 'user', user_id: 'private-user' },
      { token: owner.token },
    )
  ).body.id;
  // A shared context at version 2, shared with no agent: writes, rollbacks and shares would show.
  resources.contexts = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/contexts`,
      { name: 'Private context', data: { secret: 'v1' } },
      { token: owner.token },
    )
  ).body.id;
  await app.http.put(
    `/api/v1/contexts/${resources.contexts}`,
    { data: { secret: 'v2' } },
    { token: owner.token },
  );
  // A pending task: it stays as it is unless someone queues or cancels it.
  resources.tasks = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/tasks`,
      { task_type: 'private_task', task_data: { secret: 'private' } },
      { token: owner.token },
    )
  ).body.id;
  // A disabled recurring task: it stays as it is unless someone changes it.
  resources['task-schedules'] = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/task-schedules`,
      { name: 'Private schedule', cron: '0 0 1 1 *', task_type: 'private_task', enabled: false },
      { token: owner.token },
    )
  ).body.id;
  // A webhook channel: a signed request would create a task; a bearer token creates nothing.
  resources.channels = (
    await app.http.post(
      '/api/v1/channels',
      {
        name: 'Private hook',
        kind: 'webhook',
        agent_id: resources.agents,
        credentials: { signing_secret: 'private-signing-secret-0123' },
      },
      { token: owner.token },
    )
  ).body.id;
  // A task definition assigned to our agent: executing the assignment would run the agent.
  resources['task-definitions'] = (
    await app.http.post(
      '/api/v1/task-definitions',
      {
        name: 'Private task',
        response_schema: { type: 'object', properties: { label: { type: 'string' } } },
      },
      { token: owner.token },
    )
  ).body.id;
  resources.assignments = (
    await app.http.post(
      `/api/v1/agents/${resources.agents}/assignments`,
      { task_definition_id: resources['task-definitions'] },
      { token: owner.token },
    )
  ).body.id;
  // A completed analysis run of another agent (its turns leave the first agent's runs alone).
  const analyst = await app.http.post('/api/v1/agents', { name: 'Private analyst' }, { token: owner.token });
  const analysisDefinition = await app.http.post(
    '/api/v1/task-definitions',
    {
      name: 'Private analysis',
      response_schema: { type: 'object', properties: { label: { type: 'string' } } },
    },
    { token: owner.token },
  );
  resources.analysisAssignment = (
    await app.http.post(
      `/api/v1/agents/${analyst.body.id}/assignments`,
      { task_definition_id: analysisDefinition.body.id },
      { token: owner.token },
    )
  ).body.id;
  resources.analysis = (
    await app.http.post(
      '/api/v1/analysis/runs',
      { assignment_id: resources.analysisAssignment, source: { type: 'inline', items: ['Private item'] } },
      { token: owner.token },
    )
  ).body.id;
  await app.http.post(`/api/v1/analysis/runs/${resources.analysis}/start`, undefined, { token: owner.token });
  await waitForRun(app.http, owner, resources.analysis as string, ['completed']);
  resources.proposals = (
    await app.http.get(`/api/v1/analysis/runs/${resources.analysis}/proposals`, { token: owner.token })
  ).body[0].id;
  resources.projects = (
    await app.http.post(
      '/api/v1/projects',
      { name: 'Private project', description: 'Private' },
      { token: owner.token },
    )
  ).body.id;
  resources.tools = (
    await app.http.post(
      '/api/v1/tools',
      { name: 'private_tool', http: { method: 'GET', url_template: 'https://api.example.com/private' } },
      { token: owner.token },
    )
  ).body.id;
  resources.budgets = (
    await app.http.post(
      '/api/v1/budgets',
      { agent_id: resources.agents, token_limit: 1_000_000 },
      { token: owner.token },
    )
  ).body.id;
  // Its check fails (no such server), which changes nothing here: the server is ours all the same.
  resources['mcp-servers'] = (
    await app.http.post(
      '/api/v1/mcp-servers',
      {
        name: 'private-mcp',
        endpoint: 'https://mcp.example.com/mcp',
        authentication: { type: 'bearer', token: 'private-token-0123456789' },
        timeout_seconds: 1,
      },
      { token: owner.token },
    )
  ).body.id;
  intruderKey = (await app.http.post('/api/v1/api-keys', { name: 'intruder key' }, { token: intruder.token }))
    .body.key;
});
afterAll(() => app.close());

async function resourceRoutes() {
  const { body: document } = await app.http.get('/openapi.json');
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, operations]) =>
      path.startsWith('/api/v1/') || path.startsWith('/v1/')
        ? Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path }))
        : [],
  );
}

describe.each([
  ['access token', () => intruder.token],
  ['API key', () => intruderKey],
])('another organization’s %s', (_label, credential) => {
  it('gets 403 on every route that names one of our resources, and changes nothing', async () => {
    const routes = await resourceRoutes();
    const checked: string[] = [];
    for (const { method, path } of routes) {
      const key = `${method} ${path}`;
      const facadeRequest = facadeRequests[key];
      if (facadeRequest) {
        const { url, body } = facadeRequest();
        const response = await app.http.request(method, url, body, { token: credential() });
        expect(response.status, `${key}: ${JSON.stringify(response.body)}`).toBe(404);
        expect(response.body).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
        checked.push(key);
        continue;
      }
      if (path.startsWith('/v1/')) {
        expect(facadeLists.map((list) => `GET ${list}`)).toContain(key);
        continue;
      }
      const referencing = bodyReferences[key];
      if (referencing) {
        const response = await app.http.request(method, path, referencing(), { token: credential() });
        expect(response.status, `${key}: ${JSON.stringify(response.body)}`).toBe(403);
        checked.push(key);
        continue;
      }
      if (!path.includes('{id}')) {
        expect([
          ...listRoutes.map((list) => `GET ${list}`),
          ...ownRoutes.map((own) => `GET ${own}`),
          ...ownRoutes.map((own) => `POST ${own}`),
          ...ownRoutes.map((own) => `PUT ${own}`),
          ...creationRoutes,
        ]).toContain(key);
        continue;
      }
      const collection = path.split('/')[3] as string;
      expect(resources[collection], `no resource for ${key}`).toBeDefined();
      const url = path
        .replace('{id}', resources[collection] as string)
        .replace('{version}', '1')
        .replace('{agent_id}', resources.agents as string)
        .replace('{file_id}', resources.files as string)
        .replace('{task_id}', resources.tasks as string)
        .replace('{schedule_id}', resources['task-schedules'] as string)
        .replace('{task_definition_id}', resources['task-definitions'] as string);
      if (signedRoutes.includes(key)) {
        const response = await app.http.request(
          method,
          url,
          { message: 'hijacked' },
          { token: credential() },
        );
        expect([401, 404], `${key}: ${JSON.stringify(response.body)}`).toContain(response.status);
        checked.push(key);
        continue;
      }
      const needsBody = ['POST', 'PUT', 'PATCH'].includes(method);
      if (needsBody) expect(bodies[key], `no body for ${key}`).toBeDefined();
      const response = await app.http.request(method, url, needsBody ? bodies[key] : undefined, {
        token: credential(),
      });
      expect(response.status, `${key}: ${JSON.stringify(response.body)}`).toBe(403);
      expect(response.body).toMatchObject({ error: true, code: 'authorization_error' });
      checked.push(key);
    }
    expect(checked.length).toBeGreaterThanOrEqual(14);

    const agent = await app.http.get(`/api/v1/agents/${resources.agents}`, { token: owner.token });
    expect(agent.body).toMatchObject({ status: 'active', role: 'v2', version: 2, interaction_count: 1 });
    const runs = await app.http.get(`/api/v1/runs?agent_id=${resources.agents}`, { token: owner.token });
    expect(runs.body.map((run: { id: string }) => run.id)).toEqual([resources.runs]);
    const user = await app.http.get(`/api/v1/users/${resources.users}`, { token: owner.token });
    expect(user.body).toMatchObject({ role: 'agent_user', status: 'active' });
    const provider = await app.http.get(`/api/v1/providers/${resources.providers}`, { token: owner.token });
    expect(provider.body).toMatchObject({ name: 'Private provider', is_active: true, is_default: true });
    const key = await app.http.get(`/api/v1/api-keys/${resources['api-keys']}`, { token: owner.token });
    expect(key.body.revoked_at).toBeNull();
    const session = await app.http.get(`/api/v1/sessions/${resources.sessions}`, { token: owner.token });
    expect(session.body).toMatchObject({ title: 'Private session', status: 'active', message_count: 1 });
    const message = await app.http.get(`/api/v1/messages/${resources.messages}`, { token: owner.token });
    expect(message.body).toMatchObject({ content: 'Private message', feedback_score: null });
    const sessions = await app.http.get(`/api/v1/sessions?agent_id=${resources.agents}`, {
      token: owner.token,
    });
    expect(sessions.body).toHaveLength(1);
    const file = await app.http.get(`/api/v1/files/${resources.files}`, { token: owner.token });
    expect(file.body).toMatchObject({ filename: 'private.txt', attached_agents: 1 });
    const agentFiles = await app.http.get(`/api/v1/agents/${resources.agents}/files`, { token: owner.token });
    expect(agentFiles.body).toMatchObject([{ file_id: resources.files, order_index: 0 }]);
    const task = await app.http.get(`/api/v1/agents/${resources.agents}/tasks/${resources.tasks}`, {
      token: owner.token,
    });
    expect(task.body).toMatchObject({ status: 'pending', queue_job_id: null, attempt_count: 0 });
    const tasks = await app.http.get(`/api/v1/agents/${resources.agents}/tasks`, { token: owner.token });
    expect(tasks.body.map((item: { id: string }) => item.id)).toEqual([resources.tasks]);
    const schedules = await app.http.get(`/api/v1/agents/${resources.agents}/task-schedules`, {
      token: owner.token,
    });
    expect(schedules.body).toMatchObject([
      { id: resources['task-schedules'], name: 'Private schedule', cron: '0 0 1 1 *', enabled: false },
    ]);
    const channels = await app.http.get('/api/v1/channels', { token: owner.token });
    expect(channels.body).toMatchObject([{ id: resources.channels, name: 'Private hook', enabled: true }]);
    const definition = await app.http.get(`/api/v1/task-definitions/${resources['task-definitions']}`, {
      token: owner.token,
    });
    expect(definition.body).toMatchObject({ name: 'Private task', is_active: true, version: 1 });
    const assignments = await app.http.get(`/api/v1/agents/${resources.agents}/assignments`, {
      token: owner.token,
    });
    expect(assignments.body).toMatchObject([{ id: resources.assignments, is_active: true }]);
    const analysis = await app.http.get(`/api/v1/analysis/runs/${resources.analysis}`, {
      token: owner.token,
    });
    expect(analysis.body).toMatchObject({ status: 'completed', proposals_total: 1, proposals_pending: 1 });
    const memory = await app.http.get(`/api/v1/memories/${resources.memories}`, { token: owner.token });
    expect(memory.body).toMatchObject({ content: 'Private memory', reinforcement: 1, access_count: 0 });
    const memories = await app.http.get(`/api/v1/agents/${resources.agents}/memories`, {
      token: owner.token,
    });
    expect(memories.body.map((item: { id: string }) => item.id)).toEqual([resources.memories]);
    const context = await app.http.get(`/api/v1/contexts/${resources.contexts}`, { token: owner.token });
    expect(context.body).toMatchObject({ current_version: 2, data: { secret: 'v2' } });
    const contextShares = await app.http.get(`/api/v1/contexts/${resources.contexts}/shares`, {
      token: owner.token,
    });
    expect(contextShares.body).toEqual([]);
    const analyses = await app.http.get('/api/v1/analysis/runs', { token: owner.token });
    expect(analyses.body.map((run: { id: string }) => run.id)).toEqual([resources.analysis]);
    const project = await app.http.get(`/api/v1/projects/${resources.projects}`, { token: owner.token });
    expect(project.body).toMatchObject({ name: 'Private project', description: 'Private' });
    const tool = await app.http.get(`/api/v1/tools/${resources.tools}`, { token: owner.token });
    expect(tool.body).toMatchObject({ name: 'private_tool', enabled: true });
    const mcpServer = await app.http.get(`/api/v1/mcp-servers/${resources['mcp-servers']}`, {
      token: owner.token,
    });
    expect(mcpServer.body).toMatchObject({
      name: 'private-mcp',
      enabled: true,
      description: null,
      authentication: { type: 'bearer' },
    });
  });

  it('cannot give one of our tools to its own agent: the name is unknown to it', async () => {
    const response = await app.http.post(
      '/api/v1/agents',
      { name: 'Intruder tool user', tools: ['private_tool'] },
      { token: credential() },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.validation_errors).toMatchObject([{ field: 'tools', value: ['private_tool'] }]);
  });

  it('cannot read our files, sessions or agents as the source of its own analysis run', async () => {
    const as = { token: credential() };
    const agent = await app.http.post('/api/v1/agents', { name: 'Intruder analyst' }, as);
    const definition = await app.http.post(
      '/api/v1/task-definitions',
      { name: `Intruder ${agent.body.id}`, response_schema: { type: 'object' } },
      as,
    );
    const assignment = await app.http.post(
      `/api/v1/agents/${agent.body.id}/assignments`,
      { task_definition_id: definition.body.id },
      as,
    );
    const window = {
      type: 'time_window',
      time_window_start: '2020-01-01T00:00:00Z',
      time_window_end: '2100-01-01T00:00:00Z',
    };
    for (const source of [
      { type: 'file', file_id: resources.files },
      { ...window, session_id: resources.sessions },
      { ...window, agent_id: resources.agents },
    ]) {
      const response = await app.http.post(
        '/api/v1/analysis/runs',
        { assignment_id: assignment.body.id, source },
        as,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(403);
    }
  });

  it('cannot attach one of our files to its own agent', async () => {
    const own = await app.http.post('/api/v1/agents', { name: 'Intruder reader' }, { token: credential() });
    const attach = await app.http.post(
      `/api/v1/agents/${own.body.id}/files`,
      { file_id: resources.files },
      { token: credential() },
    );
    expect(attach.status, JSON.stringify(attach.body)).toBe(403);
    const listed = await app.http.get(`/api/v1/agents/${own.body.id}/files`, { token: credential() });
    expect(listed.body).toEqual([]);
  });

  it('lists none of our resources', async () => {
    for (const path of listRoutes) {
      const response = await app.http.get(path, { token: credential() });
      expect(response.status).toBe(200);
      const ids = (response.body as { id: string; organization_id?: string }[]).map((item) => item.id);
      expect(ids).not.toContain(resources[path.split('/')[3] as string]);
      for (const item of response.body as { organization_id?: string }[]) {
        if (item.organization_id) expect(item.organization_id).toBe(intruder.organizationId);
      }
    }
    for (const path of facadeLists) {
      const response = await app.http.get(path, { token: credential() });
      expect(response.status).toBe(200);
      expect(response.body.data.map((model: { id: string }) => model.id)).not.toContain(resources.agents);
    }
    const search = await app.http.get('/api/v1/agents?tag=secret&search=Private', { token: credential() });
    expect(search.body).toEqual([]);
    expect(search.headers.get('x-total-count')).toBe('0');
    const sessions = await app.http.get(`/api/v1/sessions?agent_id=${resources.agents}`, {
      token: credential(),
    });
    expect(sessions.body).toEqual([]);
    expect(sessions.headers.get('x-total-count')).toBe('0');
    const runs = await app.http.get(`/api/v1/runs?agent_id=${resources.agents}`, { token: credential() });
    expect(runs.body).toEqual([]);
    expect(runs.headers.get('x-total-count')).toBe('0');
    const tasks = await app.http.get(`/api/v1/tasks?agent_id=${resources.agents}`, { token: credential() });
    expect(tasks.body).toEqual([]);
    expect(tasks.headers.get('x-total-count')).toBe('0');
    const stats = await app.http.get('/api/v1/tasks/stats', { token: credential() });
    expect(stats.body.queue_depth).toBe(0);
    expect(stats.body.agents.map((agent: { agent_id: string }) => agent.agent_id)).not.toContain(
      resources.agents,
    );
    const services = await app.http.get('/api/v1/health/services', { token: credential() });
    expect(services.status).toBe(200);
    // Our HTTP tool and MCP server are services of ours (an offline provider is none).
    const ours = [resources.tools, resources['mcp-servers']];
    const ownServices = await app.http.get('/api/v1/health/services', { token: owner.token });
    expect(ownServices.body.map((service: { service_id: string }) => service.service_id)).toEqual(
      expect.arrayContaining(ours),
    );
    for (const service of services.body as { service_id: string }[]) {
      expect(ours).not.toContain(service.service_id);
    }
    const me = await app.http.get('/api/v1/me', { token: credential() });
    expect(me.body.organization.id).toBe(intruder.organizationId);
  });

  it('cannot continue or preview one of our sessions through its own agent', async () => {
    const own = await app.http.post('/api/v1/agents', { name: 'Intruder agent' }, { token: credential() });
    expect(own.status).toBe(201);
    for (const path of ['execute', 'execute/stream', 'chat', 'preview-context']) {
      const response = await app.http.post(
        `/api/v1/agents/${own.body.id}/${path}`,
        { message: 'hijacked', session_id: resources.sessions },
        { token: credential() },
      );
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(403);
    }
    const session = await app.http.get(`/api/v1/sessions/${resources.sessions}`, { token: owner.token });
    expect(session.body.message_count).toBe(1);
  });
});
