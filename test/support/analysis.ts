import { expect } from 'vitest';
import type { TestAccount } from './accounts.ts';
import type { ApiResponse, HttpClient } from './http-client.ts';

/** Seed 003 section 4.1's "Classify Message" task configuration, as written. */
export const classifyMessage = {
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

export const supportMessages = [
  'The app crashes when I log in on iOS',
  'Please add a dark mode feature to the dashboard',
  'How do I reset my password? That is my question',
  'Let us have a discussion about the roadmap',
];

export function expectStatus(response: ApiResponse, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

/** An offline provider, an agent on it, the Classify Message definition and its assignment. */
export async function classifierAssignment(
  http: HttpClient,
  account: TestAccount,
  options: {
    agent?: Record<string, unknown>;
    definition?: Record<string, unknown>;
    providerId?: string;
  } = {},
) {
  const as = { token: account.token };
  const providerId =
    options.providerId ??
    expectStatus(
      await http.post('/api/v1/providers', { name: `Offline ${crypto.randomUUID()}`, type: 'offline' }, as),
      201,
    ).id;
  const agent = expectStatus(
    await http.post(
      '/api/v1/agents',
      {
        name: 'Message Classifier',
        provider_id: providerId,
        prompt: 'You classify messages.',
        ...options.agent,
      },
      as,
    ),
    201,
  );
  const definition = expectStatus(
    await http.post(
      '/api/v1/task-definitions',
      { ...classifyMessage, name: `Classify ${crypto.randomUUID()}`, ...options.definition },
      as,
    ),
    201,
  );
  const assignment = expectStatus(
    await http.post(`/api/v1/agents/${agent.id}/assignments`, { task_definition_id: definition.id }, as),
    201,
  );
  return {
    providerId: providerId as string,
    agentId: agent.id as string,
    definitionId: definition.id as string,
    assignmentId: assignment.id as string,
  };
}

/** Creates an analysis run (201) and returns it. */
export async function createRun(http: HttpClient, account: TestAccount, body: Record<string, unknown>) {
  return expectStatus(await http.post('/api/v1/analysis/runs', body, { token: account.token }), 201);
}

/** Polls a run until its status is one of `statuses`; returns it. */
export async function waitForRun(
  http: HttpClient,
  account: TestAccount,
  runId: string,
  statuses: string[] = ['completed', 'failed', 'cancelled'],
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = expectStatus(await http.get(`/api/v1/analysis/runs/${runId}`, { token: account.token }), 200);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > deadline)
      throw new Error(`run still ${run.status} after ${timeoutMs} ms: ${JSON.stringify(run.progress)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates, starts and waits for a run over inline items; returns the ended run. */
export async function completedRun(
  http: HttpClient,
  account: TestAccount,
  assignmentId: string,
  items: unknown[],
  options: Record<string, unknown> = {},
) {
  const run = await createRun(http, account, {
    assignment_id: assignmentId,
    source: { type: 'inline', items },
    options,
  });
  expectStatus(
    await http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, { token: account.token }),
    202,
  );
  return waitForRun(http, account, run.id);
}
