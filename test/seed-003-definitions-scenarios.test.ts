import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { type AnthropicStub, startAnthropicStub } from './stubs/anthropic-stub.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 003's task configurations and agent-task assignments (sections 4, 5, 10.3, 10.4,
 * 13.1 steps 1-5 and 13.3) with the bodies the seed writes, at the paths DESIGN section 9 gives
 * them: `/api/v1/tasks` is `/task-definitions`, `/agents/{id}/tasks` is `/agents/{id}/assignments`
 * (which takes the seed's `task_id`), `/tasks/{id}/agents` is `/task-definitions/{id}/agents`.
 * Step 5 executes the assignment (`POST /assignments/{id}/execute`) rather than the untyped agent
 * test (DESIGN section 10, structured output). The setup flow runs on the offline provider, whose answers are schema-valid objects made
 * from the message; the A/B scenario's providers are stubs on loopback, as in
 * seed-003-scenarios.test.ts (which replays the seed's provider examples themselves).
 */
const SEED_OPENAI_KEY = 'sk-...';

let ollama: OpenAiStub;
let openai: OpenAiStub;
let anthropic: AnthropicStub;
let app: TestApp;
let account: TestAccount;

beforeAll(async () => {
  ollama = await startOpenAiStub({ models: ['llama3'] });
  openai = await startOpenAiStub({ apiKey: SEED_OPENAI_KEY, models: ['gpt-4'] });
  anthropic = await startAnthropicStub({ models: ['claude-3'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  account = await registerAccount(app.http, 'Seed 003 task owner');
});
afterAll(async () => {
  await app.close();
  await Promise.all([ollama.close(), openai.close(), anthropic.close()]);
});

const as = () => ({ token: account.token });
const requests = {
  post: (path: string, json: unknown) => app.http.post(path, json, as()),
  get: (path: string) => app.http.get(path, as()),
  put: (path: string, json: unknown) => app.http.put(path, json, as()),
  delete: (path: string) => app.http.delete(path, as()),
};

function expectStatus(response: ApiResponse, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

/** Section 13.1 step 3's response_schema, as written. */
const messageClassificationSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'confidence'],
};

/** Section 4.1's "Response Schema Example", as written. */
const classifyMessage = {
  name: 'Classify Message',
  description: 'Categorize incoming messages',
  response_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      reasoning: { type: 'string' },
    },
    required: ['category', 'confidence'],
  },
  is_active: true,
};

describe('seed 003 section 13.1: complete setup flow, steps 1 to 5', () => {
  let providerId: string;
  let agentId: string;
  let taskId: string;
  let assignmentId: string;

  it('1. creates the provider (the offline one)', async () => {
    const provider = expectStatus(
      await requests.post('/api/v1/providers', { name: 'Offline', type: 'offline', is_active: true }),
      201,
    );
    expect(provider.validation_status).toBe('connected');
    providerId = provider.id;
  });

  it('2. creates the agent configuration', async () => {
    const agent = expectStatus(
      await requests.post('/api/v1/agents', {
        name: 'Message Classifier',
        description: 'Classifies messages into categories',
        provider_id: providerId,
        model_name: 'llama3',
        system_prompt: 'You are a message classifier. Analyze and categorize messages.',
        temperature: 0.7,
        max_tokens: 500,
        is_active: true,
      }),
      201,
    );
    agentId = agent.id;
  });

  it('3. creates the task configuration "Message Classification"', async () => {
    const task = expectStatus(
      await requests.post('/api/v1/task-definitions', {
        name: 'Message Classification',
        description: 'Categorize messages',
        response_schema: messageClassificationSchema,
        is_active: true,
      }),
      201,
    );
    expect(task).toMatchObject({
      name: 'Message Classification',
      description: 'Categorize messages',
      response_schema: messageClassificationSchema,
      is_active: true,
      version: 1,
    });
    taskId = task.id;
  });

  it('4. assigns the task to the agent with {task_id, is_active}', async () => {
    const assignment = expectStatus(
      await requests.post(`/api/v1/agents/${agentId}/assignments`, { task_id: taskId, is_active: true }),
      201,
    );
    expect(assignment).toMatchObject({
      agent_id: agentId,
      task_definition_id: taskId,
      is_active: true,
      agent_name: 'Message Classifier',
      task_name: 'Message Classification',
      provider_name: 'Offline',
      provider_type: 'offline',
    });
    assignmentId = assignment.id;
  });

  it('5. executes the assignment: the answer is an object valid against the task’s schema', async () => {
    for (const input of ['The app crashes when I log in on iOS', 'How do I reset my password?']) {
      const result = expectStatus(
        await requests.post(`/api/v1/assignments/${assignmentId}/execute`, { input }),
        200,
      );
      expect(result).toMatchObject({
        assignment_id: assignmentId,
        task_definition_id: taskId,
        task_definition_version: 1,
      });
      expect(validateAgainstSchema(messageClassificationSchema, result.output)).toEqual({ valid: true });
      expect(Object.keys(result.output).sort()).toEqual(['category', 'confidence']);
    }
  });

  it('5.3: a second assignment of the same agent+task pair is refused', async () => {
    const duplicate = await requests.post(`/api/v1/agents/${agentId}/assignments`, {
      task_id: taskId,
      is_active: true,
    });
    expectError(duplicate, 409, 'task_definition_already_assigned');
  });
});

describe('seed 003 section 4.1: the "Classify Message" task configuration', () => {
  it('is accepted as written, and answers with category, confidence and reasoning', async () => {
    const task = expectStatus(await requests.post('/api/v1/task-definitions', classifyMessage), 201);
    expect(task).toMatchObject({ ...classifyMessage, instructions: null, version: 1 });
    const agent = expectStatus(await requests.post('/api/v1/agents', { name: 'Classify Agent' }), 201);
    const assignment = expectStatus(
      await requests.post(`/api/v1/agents/${agent.id}/assignments`, { task_id: task.id }),
      201,
    );
    const result = expectStatus(
      await requests.post(`/api/v1/assignments/${assignment.id}/execute`, {
        input: 'Please add a dark mode to the dashboard',
      }),
      200,
    );
    expect(validateAgainstSchema(classifyMessage.response_schema, result.output)).toEqual({ valid: true });
    expect(result.output).toEqual({
      category: expect.any(String),
      confidence: expect.any(Number),
      reasoning: expect.any(String),
    });
  });
});

describe('seed 003 section 10.3: task configuration endpoints', () => {
  it('lists, gets, updates (PUT) and deletes task configurations', async () => {
    const task = expectStatus(
      await requests.post('/api/v1/task-definitions', { ...classifyMessage, name: 'Section 10.3' }),
      201,
    );
    const listed = expectStatus(await requests.get('/api/v1/task-definitions'), 200);
    expect(listed.map((item: { id: string }) => item.id)).toContain(task.id);
    expect(expectStatus(await requests.get(`/api/v1/task-definitions/${task.id}`), 200)).toEqual(task);
    const updated = expectStatus(
      await requests.put(`/api/v1/task-definitions/${task.id}`, {
        description: 'Categorize support messages',
      }),
      200,
    );
    expect(updated).toMatchObject({ description: 'Categorize support messages', version: 2 });
    expect((await requests.delete(`/api/v1/task-definitions/${task.id}`)).status).toBe(204);
    expectError(await requests.get(`/api/v1/task-definitions/${task.id}`), 404, 'not_found');
  });
});

describe('seed 003 sections 10.4 and 13.3: assignments of the A/B agents to the same task', () => {
  it('assigns the three agents, lists them with details, tests one, and unassigns', async () => {
    const provider = async (body: Record<string, unknown>) =>
      expectStatus(await requests.post('/api/v1/providers', body), 201).id as string;
    const openaiId = await provider({
      name: 'OpenAI GPT-4',
      type: 'openai',
      api_key: SEED_OPENAI_KEY,
      base_url: openai.url,
    });
    const ollamaId = await provider({
      name: 'Ollama Local',
      type: 'ollama',
      base_url: ollama.url.replace(/\/v1$/, ''),
    });
    const anthropicId = await provider({
      name: 'Anthropic',
      type: 'anthropic',
      api_key: 'sk-ant-seed',
      base_url: anthropic.v1Url,
    });
    const task = expectStatus(
      await requests.post('/api/v1/task-definitions', { ...classifyMessage, name: 'A/B Classification' }),
      201,
    );
    // Section 13.3, as written: create each agent, then assign it to the same task.
    const agents = [
      { name: 'GPT-4 Classifier', model: 'gpt-4', provider: openaiId },
      { name: 'Llama3 Classifier', model: 'llama3', provider: ollamaId },
      { name: 'Claude Classifier', model: 'claude-3', provider: anthropicId },
    ];
    const agentIds: string[] = [];
    const assignmentIds: string[] = [];
    for (const agentData of agents) {
      const agent = expectStatus(await requests.post('/api/v1/agents', agentData), 201);
      agentIds.push(agent.id);
      const assignment = expectStatus(
        await requests.post(`/api/v1/agents/${agent.id}/assignments`, { task_id: task.id }),
        201,
      );
      assignmentIds.push(assignment.id);
    }

    // 10.4 "List task's agents" and "List all assignments with details".
    const ofTask = expectStatus(await requests.get(`/api/v1/task-definitions/${task.id}/agents`), 200);
    expect(ofTask.map((item: { agent_id: string }) => item.agent_id)).toEqual([...agentIds].reverse());
    const details = expectStatus(
      await requests.get(`/api/v1/assignments?task_definition_id=${task.id}`),
      200,
    );
    expect(
      details.map((item: Record<string, unknown>) => [
        item.agent_name,
        item.task_name,
        item.provider_name,
        item.provider_type,
      ]),
    ).toEqual([
      ['Claude Classifier', 'A/B Classification', 'Anthropic', 'anthropic'],
      ['Llama3 Classifier', 'A/B Classification', 'Ollama Local', 'ollama'],
      ['GPT-4 Classifier', 'A/B Classification', 'OpenAI GPT-4', 'openai'],
    ]);

    // Seed 003 section 13.1 step 5's answer, from the Llama3 agent's Ollama server.
    ollama.enqueue({ type: 'text', text: '{"category": "bug", "confidence": 0.95}' });
    const result = expectStatus(
      await requests.post(`/api/v1/assignments/${assignmentIds[1]}/execute`, {
        input: 'The app crashes when I log in on iOS',
      }),
      200,
    );
    expect(result).toMatchObject({
      output: { category: 'bug', confidence: 0.95 },
      model: 'llama3',
      provider: { name: 'Ollama Local', type: 'ollama' },
    });

    // 10.4 "List agent's tasks" and "Unassign task".
    const agentTasks = expectStatus(await requests.get(`/api/v1/agents/${agentIds[0]}/assignments`), 200);
    expect(agentTasks.map((item: { task_definition_id: string }) => item.task_definition_id)).toEqual([
      task.id,
    ]);
    expect((await requests.delete(`/api/v1/agents/${agentIds[0]}/assignments/${task.id}`)).status).toBe(204);
    expect(expectStatus(await requests.get(`/api/v1/agents/${agentIds[0]}/assignments`), 200)).toEqual([]);
    const remaining = expectStatus(await requests.get(`/api/v1/task-definitions/${task.id}/agents`), 200);
    expect(remaining).toHaveLength(2);
  });
});
