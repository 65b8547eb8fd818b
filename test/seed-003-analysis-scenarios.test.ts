import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectStatus, waitForRun } from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Seed 003's workflow end to end (section 1.1, 13.1 steps 1 to 7, section 9): provider, agent,
 * task configuration, assignment, execution, then an analysis run with the body section 13.1
 * step 6 writes (`agent_assignment_id`, a time window, `trigger_type`) whose results become
 * proposals with totals (section 9.1's fields). The seed analyses "topics/atoms" in the window;
 * Agentry analyses the agent's sessions' user messages in it (DESIGN section 4, AnalysisRun). The
 * seed's window (October 2025) holds no messages of this test, so the run's window is moved to
 * cover the conversation the test has; the seed's own window is answered as an empty source.
 * Adapted: docs/decisions/0015-seed-adaptations.md §21.
 */
let app: TestApp;
let account: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  account = await registerAccount(app.http, 'Seed 003 analyst');
});
afterAll(() => app.close());

const as = () => ({ token: account.token });
const post = (path: string, body?: unknown) => app.http.post(path, body, as());

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

const conversation = [
  'The app crashes when I log in on iOS',
  'How do I reset my password?',
  'A feature request: export my data as CSV',
];

describe('seed 003: provider -> agent -> task -> assignment -> execute -> analysis run', () => {
  const ids: Record<string, string> = {};
  let windowStart: string;

  it('1-4. creates the provider, the agent, the task configuration and the assignment', async () => {
    ids.provider = expectStatus(
      await post('/api/v1/providers', { name: 'Offline', type: 'offline', is_active: true }),
      201,
    ).id;
    ids.agent = expectStatus(
      await post('/api/v1/agents', {
        name: 'Message Classifier',
        description: 'Classifies messages into categories',
        provider_id: ids.provider,
        model_name: 'llama3',
        system_prompt: 'You are a message classifier. Analyze and categorize messages.',
        temperature: 0.7,
        max_tokens: 500,
        is_active: true,
      }),
      201,
    ).id;
    ids.task = expectStatus(
      await post('/api/v1/task-definitions', {
        name: 'Message Classification',
        description: 'Categorize messages',
        response_schema: messageClassificationSchema,
        is_active: true,
      }),
      201,
    ).id;
    ids.assignment = expectStatus(
      await post(`/api/v1/agents/${ids.agent}/assignments`, { task_id: ids.task, is_active: true }),
      201,
    ).id;
  });

  it('5. executes the assignment: a schema-valid answer', async () => {
    const result = expectStatus(
      await post(`/api/v1/assignments/${ids.assignment}/execute`, {
        input: 'The app crashes when I log in on iOS',
      }),
      200,
    );
    expect(validateAgainstSchema(messageClassificationSchema, result.output)).toEqual({ valid: true });
    expect(result.output.category).toBe('bug');
  });

  it('the agent talks with its users: the messages the analysis will read', async () => {
    windowStart = new Date(Date.now() - 1_000).toISOString();
    for (const message of conversation) {
      expectStatus(await post(`/api/v1/agents/${ids.agent}/execute`, { message }), 200);
    }
  });

  it('6. creates the analysis run with the seed’s body: pending, with its configuration snapshot', async () => {
    const seedWindow = {
      agent_assignment_id: ids.assignment,
      time_window_start: '2025-10-01T00:00:00Z',
      time_window_end: '2025-10-26T23:59:59Z',
      trigger_type: 'manual',
    };
    expectError(await post('/api/v1/analysis/runs', seedWindow), 400, 'analysis_source_empty');
    // Adapted: docs/decisions/0015-seed-adaptations.md §21. The window covers this test's conversation.
    const run = expectStatus(
      await post('/api/v1/analysis/runs', {
        ...seedWindow,
        time_window_start: windowStart,
        time_window_end: new Date(Date.now() + 1_000).toISOString(),
      }),
      201,
    );
    expect(run).toMatchObject({
      status: 'pending',
      assignment_id: ids.assignment,
      trigger_type: 'manual',
      started_at: null,
      completed_at: null,
      proposals_total: 0,
      proposals_approved: 0,
      proposals_rejected: 0,
      llm_tokens_used: 0,
      progress: { items_total: conversation.length },
      config_snapshot: {
        agent: { id: ids.agent, version: 1, configuration: { temperature: 0.7, max_tokens: 500 } },
        task_definition: { id: ids.task, version: 1, response_schema: messageClassificationSchema },
        model: { provider: { id: ids.provider, name: 'Offline', type: 'offline' } },
      },
    });
    ids.run = run.id;
  });

  it('7. starts the run: its results are proposals, with the totals of section 9.1', async () => {
    const started = expectStatus(await post(`/api/v1/analysis/runs/${ids.run}/start`), 202);
    expect(['queued', 'running', 'completed']).toContain(started.status);
    const run = await waitForRun(app.http, account, ids.run as string, ['completed']);
    expect(run).toMatchObject({
      status: 'completed',
      proposals_total: conversation.length,
      proposals_approved: 0,
      proposals_rejected: 0,
      cost_estimate: 0,
      started_at: expect.any(String),
      completed_at: expect.any(String),
    });
    expect(run.llm_tokens_used).toBeGreaterThan(0);
    const proposals = expectStatus(
      await app.http.get(`/api/v1/analysis/runs/${ids.run}/proposals`, as()),
      200,
    );
    expect(proposals.map((proposal: { input: string }) => proposal.input)).toEqual(conversation);
    for (const proposal of proposals) {
      expect(validateAgainstSchema(messageClassificationSchema, proposal.output)).toEqual({ valid: true });
      expect(proposal.source_ref).toMatchObject({ type: 'message', message_id: expect.any(String) });
    }
    // Reviewing the proposals moves the run's counts.
    expectStatus(await post(`/api/v1/proposals/${proposals[0].id}/approve`), 200);
    expectStatus(await post(`/api/v1/proposals/${proposals[1].id}/reject`, { reason: 'Not a task' }), 200);
    const reviewed = expectStatus(await app.http.get(`/api/v1/analysis/runs/${ids.run}`, as()), 200);
    expect(reviewed).toMatchObject({ proposals_total: 3, proposals_approved: 1, proposals_rejected: 1 });
  });
});
