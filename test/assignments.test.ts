import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTaskResolver } from '../src/modules/definitions/index.ts';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Agent-task assignments over HTTP (seed 003 section 5 at DESIGN section 9's paths) and their
 * structured execution: a turn whose answer validates against the definition's response_schema,
 * answered by the offline model or by an OpenAI-compatible stub, with the definition version
 * recorded on the run.
 */
const KEY = 'sk-assignments-0123456789';
const UNKNOWN_ID = '01973e12-0000-7000-8000-000000000000';
const classifySchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string' },
  },
  required: ['category', 'confidence'],
};

let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let member: TestAccount;
let reader: TestAccount;
let stranger: TestAccount;
let offlineAgent: string;
let stubAgent: string;
let classify: string;

const as = (account: TestAccount) => ({ token: account.token });
const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');

async function created(path: string, body: unknown, account = owner) {
  const response = await app.http.post(path, body, as(account));
  expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(201);
  return response.body;
}

const definition = (name: string, extra: Record<string, unknown> = {}, account = owner) =>
  created('/api/v1/task-definitions', { name, response_schema: classifySchema, ...extra }, account);
const assign = (agentId: string, definitionId: string, account = owner) =>
  created(`/api/v1/agents/${agentId}/assignments`, { task_definition_id: definitionId }, account);

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Assignments owner');
  member = await addMember(app.http, owner, 'agent_user');
  reader = await addMember(app.http, owner, 'readonly');
  stranger = await registerAccount(app.http, 'Stranger');
  const offline = await created('/api/v1/providers', { name: 'Offline', type: 'offline' });
  const stubProvider = await created('/api/v1/providers', {
    name: 'Stub',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: KEY,
    is_default: false,
  });
  offlineAgent = (await created('/api/v1/agents', { name: 'Classifier', provider_id: offline.id })).id;
  stubAgent = (
    await created('/api/v1/agents', {
      name: 'Stub Classifier',
      provider_id: stubProvider.id,
      model: 'gpt-stub',
      show_suggestions_after_each_message: false,
    })
  ).id;
  classify = (
    await definition('Classify Message', {
      description: 'Categorize incoming messages',
      instructions: 'Classify the support message by its category.',
    })
  ).id;
});
afterAll(async () => {
  await app.close();
  await stub.close();
});
beforeEach(() => stub.reset());

describe('POST /api/v1/agents/{id}/assignments', () => {
  it('assigns a definition (201) with details, and refuses the same pair again (409)', async () => {
    const definitionId = (await definition('Assign Once')).id;
    const assignment = await assign(offlineAgent, definitionId);
    expect(assignment).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organization_id: owner.organizationId,
      agent_id: offlineAgent,
      task_definition_id: definitionId,
      is_active: true,
      assigned_at: expect.any(String),
      updated_at: assignment.assigned_at,
      agent_name: 'Classifier',
      task_name: 'Assign Once',
      provider_name: 'Offline',
      provider_type: 'offline',
    });
    const duplicate = await app.http.post(
      `/api/v1/agents/${offlineAgent}/assignments`,
      { task_definition_id: definitionId, is_active: false },
      as(owner),
    );
    expectError(duplicate, 409, 'task_definition_already_assigned');
  });

  it('takes seed 003’s task_id for task_definition_id, and is_active', async () => {
    const definitionId = (await definition('Seed Alias')).id;
    const assignment = await created(`/api/v1/agents/${offlineAgent}/assignments`, {
      task_id: definitionId,
      is_active: false,
    });
    expect(assignment).toMatchObject({ task_definition_id: definitionId, is_active: false });
    const conflicting = await app.http.post(
      `/api/v1/agents/${offlineAgent}/assignments`,
      { task_id: definitionId, task_definition_id: classify },
      as(owner),
    );
    expectError(conflicting, 422, 'validation_error');
    const missing = await app.http.post(`/api/v1/agents/${offlineAgent}/assignments`, {}, as(owner));
    expectError(missing, 422, 'validation_error');
    expect(missing.body.validation_errors[0].field).toBe('task_definition_id');
  });

  it('answers 403 for another organization’s agent or definition, 404 for unknown ones', async () => {
    const foreignDefinition = (await definition('Foreign', {}, stranger)).id;
    const foreignAgent = (await created('/api/v1/agents', { name: 'Foreign agent' }, stranger)).id;
    const cases: [string, string, number][] = [
      [offlineAgent, foreignDefinition, 403],
      [foreignAgent, classify, 403],
      [offlineAgent, UNKNOWN_ID, 404],
      [UNKNOWN_ID, classify, 404],
    ];
    for (const [agentId, definitionId, status] of cases) {
      const response = await app.http.post(
        `/api/v1/agents/${agentId}/assignments`,
        { task_definition_id: definitionId },
        as(owner),
      );
      expectError(response, status, status === 403 ? 'authorization_error' : 'not_found');
    }
    const listed = await app.http.get(`/api/v1/task-definitions/${foreignDefinition}/agents`, as(stranger));
    expect(listed.body).toEqual([]);
  });

  it('needs agents:write', async () => {
    for (const account of [member, reader]) {
      const response = await app.http.post(
        `/api/v1/agents/${offlineAgent}/assignments`,
        { task_definition_id: classify },
        as(account),
      );
      expectError(response, 403, 'authorization_error');
    }
  });
});

describe('lists, activation and unassignment', () => {
  it('lists by agent, organization and definition with details, filters and X-Total-Count', async () => {
    const account = await registerAccount(app.http, 'Lists');
    const first = (await created('/api/v1/agents', { name: 'First' }, account)).id;
    const second = (await created('/api/v1/agents', { name: 'Second' }, account)).id;
    const task = (await definition('Shared Task', {}, account)).id;
    const other = (await definition('Other Task', {}, account)).id;
    const a = await assign(first, task, account);
    const b = await assign(second, task, account);
    const c = await assign(first, other, account);

    const deactivated = await app.http.patch(
      `/api/v1/assignments/${c.id}`,
      { is_active: false },
      as(account),
    );
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: c.id, is_active: false, task_name: 'Other Task' });
    expect(deactivated.body.updated_at >= c.updated_at).toBe(true);

    const ofFirst = await app.http.get(`/api/v1/agents/${first}/assignments`, as(account));
    expect(ofFirst.body.map((item: { id: string }) => item.id)).toEqual([c.id, a.id]);
    const activeOfFirst = await app.http.get(
      `/api/v1/agents/${first}/assignments?active_only=true`,
      as(account),
    );
    expect(activeOfFirst.body.map((item: { id: string }) => item.id)).toEqual([a.id]);
    expect(activeOfFirst.headers.get('x-total-count')).toBe('1');

    const all = await app.http.get('/api/v1/assignments?limit=2', as(account));
    expect(all.headers.get('x-total-count')).toBe('3');
    expect(all.body.map((item: { id: string }) => item.id)).toEqual([c.id, b.id]);
    expect(all.body[1]).toMatchObject({
      agent_name: 'Second',
      task_name: 'Shared Task',
      // No provider of its own: the offline model answers its turns.
      provider_name: 'Offline model',
      provider_type: 'offline',
    });
    const filtered = await app.http.get(
      `/api/v1/assignments?task_definition_id=${task}&agent_id=${second}`,
      as(account),
    );
    expect(filtered.body.map((item: { id: string }) => item.id)).toEqual([b.id]);

    const agentsOfTask = await app.http.get(`/api/v1/task-definitions/${task}/agents`, as(account));
    expect(agentsOfTask.body.map((item: { agent_id: string }) => item.agent_id)).toEqual([second, first]);
    expect(agentsOfTask.headers.get('x-total-count')).toBe('2');
    const read = await app.http.get(`/api/v1/assignments/${a.id}`, as(account));
    expect(read.body).toEqual(a);
  });

  it('unassigns (204, then 404) and assigns the pair again as a new assignment', async () => {
    const definitionId = (await definition('Come And Go')).id;
    const first = await assign(offlineAgent, definitionId);
    const path = `/api/v1/agents/${offlineAgent}/assignments/${definitionId}`;
    const removed = await app.http.delete(path, as(owner));
    expect(removed.status).toBe(204);
    expectError(await app.http.delete(path, as(owner)), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/assignments/${first.id}`, as(owner)), 404, 'not_found');
    const again = await assign(offlineAgent, definitionId);
    expect(again.id).not.toBe(first.id);
  });

  it('hides another organization’s assignments (403) and lets readers read', async () => {
    const assignment = await assign(offlineAgent, (await definition('Guarded')).id);
    expectError(
      await app.http.get(`/api/v1/assignments/${assignment.id}`, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: false }, as(stranger)),
      403,
      'authorization_error',
    );
    expect((await app.http.get(`/api/v1/assignments/${assignment.id}`, as(reader))).status).toBe(200);
    expectError(
      await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: false }, as(reader)),
      403,
      'authorization_error',
    );
    const strangers = await app.http.get('/api/v1/assignments', as(stranger));
    expect(strangers.body.map((item: { id: string }) => item.id)).not.toContain(assignment.id);
  });
});

describe('POST /api/v1/assignments/{id}/execute', () => {
  it('answers with an object valid against the schema, the run pinned to the definition version', async () => {
    const definitionId = (await definition('Pinned', { instructions: 'Classify the message.' })).id;
    const assignment = await assign(offlineAgent, definitionId);
    const response = await app.http.post(
      `/api/v1/assignments/${assignment.id}/execute`,
      { input: 'The app crashes when I log in on iOS' },
      as(member),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      assignment_id: assignment.id,
      agent_id: offlineAgent,
      task_definition_id: definitionId,
      task_definition_version: 1,
      model: 'agentry-offline',
      provider: { name: 'Offline', type: 'offline' },
    });
    expect(validateAgainstSchema(classifySchema, response.body.output)).toEqual({ valid: true });

    const run = await app.http.get(`/api/v1/runs/${response.body.run_id}`, as(owner));
    expect(run.body).toMatchObject({ trigger: 'api', status: 'completed', session_id: null });
    expect(run.body.input).toEqual({
      message: 'Classify the message.\n\nInput:\nThe app crashes when I log in on iOS',
      metadata: {
        assignment_id: assignment.id,
        task_definition_id: definitionId,
        task_definition_version: 1,
      },
      response_schema: classifySchema,
    });

    await app.http.patch(`/api/v1/task-definitions/${definitionId}`, { instructions: 'Sort it.' }, as(owner));
    const second = await app.http.post(
      `/api/v1/assignments/${assignment.id}/execute`,
      { input: { subject: 'Login', body: 'Crash on iOS' } },
      as(member),
    );
    expect(second.body.task_definition_version).toBe(2);
    const secondRun = await app.http.get(`/api/v1/runs/${second.body.run_id}`, as(owner));
    expect(secondRun.body.input.metadata.task_definition_version).toBe(2);
    expect(secondRun.body.input.message).toBe(
      'Sort it.\n\nInput:\n{\n  "subject": "Login",\n  "body": "Crash on iOS"\n}',
    );
  });

  it('refuses an inactive assignment or definition with 400, before any model call', async () => {
    const definitionId = (await definition('Switched Off')).id;
    const assignment = await assign(stubAgent, definitionId);
    const execute = () =>
      app.http.post(`/api/v1/assignments/${assignment.id}/execute`, { input: 'Hello' }, as(member));
    await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: false }, as(owner));
    expectError(await execute(), 400, 'assignment_inactive');
    await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: true }, as(owner));
    await app.http.patch(`/api/v1/task-definitions/${definitionId}`, { is_active: false }, as(owner));
    const inactive = await execute();
    expectError(inactive, 400, 'task_definition_inactive');
    expect(inactive.body.details).toEqual({ task_definition_id: definitionId });
    expect(completions()).toHaveLength(0);
  });

  it('needs agents:execute, and answers 403 for another organization’s assignment', async () => {
    const assignment = await assign(offlineAgent, (await definition('Executors Only')).id);
    const path = `/api/v1/assignments/${assignment.id}/execute`;
    expectError(await app.http.post(path, { input: 'x' }, as(reader)), 403, 'authorization_error');
    expectError(await app.http.post(path, { input: 'x' }, as(stranger)), 403, 'authorization_error');
    expectError(
      await app.http.post(`/api/v1/assignments/${UNKNOWN_ID}/execute`, { input: 'x' }, as(owner)),
      404,
      'not_found',
    );
  });

  it('sends the provider the instructions and the schema, and takes a valid answer as it is', async () => {
    const assignment = await assign(stubAgent, classify);
    stub.enqueue({ type: 'text', text: '{"category": "bug", "confidence": 0.95}' });
    const response = await app.http.post(
      `/api/v1/assignments/${assignment.id}/execute`,
      { input: 'The app crashes when I log in on iOS' },
      as(member),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.output).toEqual({ category: 'bug', confidence: 0.95 });
    const sent = completions()[0]?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages[0]?.content).toContain('"enum":["bug","feature","question","discussion"]');
    expect(sent.messages.at(-1)).toEqual({
      role: 'user',
      content:
        'Classify the support message by its category.\n\nInput:\nThe app crashes when I log in on iOS',
    });
  });

  it('fails with 502 schema_validation_failed keeping the raw answer when the repair is invalid too', async () => {
    const assignment = await app.http.get(`/api/v1/agents/${stubAgent}/assignments`, as(owner));
    const assignmentId = assignment.body.find(
      (item: { task_definition_id: string }) => item.task_definition_id === classify,
    ).id;
    stub.enqueue(
      { type: 'text', text: 'It is a bug, I am quite sure.' },
      { type: 'text', text: '{"category": "crash", "confidence": 2}' },
    );
    const response = await app.http.post(
      `/api/v1/assignments/${assignmentId}/execute`,
      { input: 'The app crashes when I log in on iOS' },
      as(member),
    );
    expectError(response, 502, 'schema_validation_failed');
    expect(response.body.error_code).toBe('external_service_error');
    expect(response.body.details).toEqual({
      problems: expect.arrayContaining([
        expect.stringContaining('/category'),
        expect.stringContaining('/confidence'),
      ]),
      raw_answer: '{"category": "crash", "confidence": 2}',
      assignment_id: assignmentId,
      task_definition_id: classify,
      task_definition_version: 1,
      run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(completions()).toHaveLength(2);
    const run = await app.http.get(`/api/v1/runs/${response.body.details.run_id}`, as(owner));
    expect(run.body).toMatchObject({
      status: 'failed',
      output: null,
      error: { code: 'invalid_structured_output' },
      input: { metadata: { assignment_id: assignmentId, task_definition_version: 1 } },
    });
  });
});

describe('resolveForTask', () => {
  it('finds the active definition an agent holds by the task type’s name, else null', async () => {
    const resolve = createTaskResolver(app.database.db);
    const definitionId = (await definition('classify_ticket', { description: 'Sort tickets' })).id;
    const assignment = await assign(offlineAgent, definitionId);
    const scope = { organizationId: owner.organizationId };
    expect(await resolve(scope, offlineAgent, 'Classify_Ticket')).toEqual({
      instructions: 'Sort tickets',
      responseSchema: classifySchema,
      definitionId,
      version: 1,
    });
    expect(await resolve(scope, stubAgent, 'classify_ticket')).toBeNull();
    expect(await resolve(scope, offlineAgent, 'unknown_task')).toBeNull();
    expect(
      await resolve({ organizationId: stranger.organizationId }, offlineAgent, 'classify_ticket'),
    ).toBeNull();
    await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: false }, as(owner));
    expect(await resolve(scope, offlineAgent, 'classify_ticket')).toBeNull();
    await app.http.patch(`/api/v1/assignments/${assignment.id}`, { is_active: true }, as(owner));
    await app.http.patch(`/api/v1/task-definitions/${definitionId}`, { is_active: false }, as(owner));
    expect(await resolve(scope, offlineAgent, 'classify_ticket')).toBeNull();
    await app.http.patch(
      `/api/v1/task-definitions/${definitionId}`,
      { is_active: true, instructions: 'Sort the ticket.' },
      as(owner),
    );
    expect(await resolve(scope, offlineAgent, 'classify_ticket')).toMatchObject({
      instructions: 'Sort the ticket.',
      version: 3,
    });
  });
});
