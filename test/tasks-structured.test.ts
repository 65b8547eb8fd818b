import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { as, createAgent, createTask, waitForTask } from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Autonomous tasks whose type names a task definition assigned to the agent answer in the
 * definition's JSON Schema (issue 10 point 2, with issue 11's definitions); the offline model
 * makes schema-valid objects. Without an active assignment the same type answers in plain text.
 */
const classifyMessage = {
  name: 'classify_message',
  description: 'Classify a user message into categories',
  response_schema: {
    type: 'object',
    properties: {
      category: { type: 'string', enum: ['support', 'sales', 'complaint', 'other'] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      reasoning: { type: 'string' },
    },
    required: ['category', 'confidence'],
  },
};

let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Owner');
});
afterAll(async () => {
  await app?.close();
});

it('answers a task named after an assigned definition with a schema-valid object, pinned in its run', async () => {
  const agentId = await createAgent(app.http, owner, 'Classifier');
  const definition = await app.http.post('/api/v1/task-definitions', classifyMessage, as(owner));
  expect(definition.status, JSON.stringify(definition.body)).toBe(201);
  const assignment = await app.http.post(
    `/api/v1/agents/${agentId}/assignments`,
    { task_definition_id: definition.body.id },
    as(owner),
  );
  expect(assignment.status, JSON.stringify(assignment.body)).toBe(201);

  const queued = await createTask(app.http, owner, agentId, {
    task_type: 'classify_message',
    task_data: { message: 'I was charged twice this month' },
    queue: true,
  });
  const task = await waitForTask(app.http, owner.token, agentId, queued.id, ['completed']);
  expect(task.result.structured_output).not.toBeNull();
  expect(validateAgainstSchema(classifyMessage.response_schema, task.result.structured_output)).toEqual({
    valid: true,
  });
  const run = await app.http.get(`/api/v1/runs/${task.run_id}`, as(owner));
  expect(run.body).toMatchObject({ trigger: 'task', status: 'completed' });
  expect(run.body.input).toMatchObject({
    metadata: { task_definition_id: definition.body.id, task_definition_version: 1 },
    response_schema: classifyMessage.response_schema,
  });

  // Once the assignment is inactive, the same type is an ordinary task again.
  await app.http.patch(`/api/v1/assignments/${assignment.body.id}`, { is_active: false }, as(owner));
  const plain = await createTask(app.http, owner, agentId, {
    task_type: 'classify_message',
    task_data: { message: 'Hello' },
    queue: true,
  });
  const answered = await waitForTask(app.http, owner.token, agentId, plain.id, ['completed']);
  expect(answered.result.structured_output).toBeNull();
});
