/**
 * Seed-like values shared by the examples of the OpenAPI document, so that examples agree with
 * each other: the run of the execution example belongs to the agent of the agent example, which
 * uses the provider of the provider example. Ids are UUIDv7, as the database generates them.
 */
export const exampleIds = {
  organization: '01972fde-7e80-7fe2-bb43-fadfb21baaf9',
  user: '01972fde-7e80-7ac6-81ed-2d49f400ae07',
  member: '01972fe0-5340-7fa4-bc2b-6b89b108a2b4',
  project: '01972fe1-9a00-7c3d-8e2f-4b6a1d9c3e57',
  apiKey: '01972fe2-2800-728a-bced-8628c9921905',
  provider: '01972fe3-1260-78e6-8ba5-59cc4c4ba5bb',
  agent: '01972fe7-a640-7c53-9128-c599a026d61e',
  historyEntry: '01973617-8300-7eb9-aeae-e1cc11d7cb08',
  testRun: '0197361c-16e0-7597-a60d-ad9a3eed5183',
  session: '01973a6f-e0a0-7974-b02c-347790f84dba',
  secondSession: '01973a70-cb00-7f5a-a272-ae3c5e43a1ac',
  run: '01973a6f-e870-7372-a679-d646b362ff47',
  userMessage: '01973a6f-e870-78bb-859a-5bfd77a7b292',
  assistantMessage: '01973a6f-f040-7ab5-9f91-01149be13fd5',
  llmCallAction: '01973a6f-f040-734e-a183-fc6608b4b12e',
  chatResponseAction: '01973a6f-f040-702d-8ee7-53e93fcc6737',
  file: '01973b10-4a20-7c1e-9d3b-5e2f8a1c0b47',
  agentFile: '01973b11-0f40-7a6d-8e21-3c9b7d4f2e18',
  chunk: '01973b11-9a00-7b42-a0f3-6d1e2c8b9a55',
  task: '01973c20-1b00-7d3e-9a41-2f6c8e0b5d17',
  taskRun: '01973c20-2a40-7c19-b3e2-7d5a1f9c0e64',
  queueJob: '01973c20-1b10-7e88-8c1d-4b2a6f3e9d05',
  channel: '01973d01-6c00-7a2b-9e4f-1d8c3b5a7e90',
} as const;

/** When the example records were written (ISO-8601, UTC), in the order they happen. */
export const exampleTimes = {
  organizationCreated: '2025-06-02T09:00:00.000Z',
  memberAdded: '2025-06-02T09:02:00.000Z',
  projectCreated: '2025-06-02T09:03:00.000Z',
  apiKeyCreated: '2025-06-02T09:04:00.000Z',
  providerCreated: '2025-06-02T09:05:00.000Z',
  providerValidated: '2025-06-02T09:05:01.240Z',
  agentCreated: '2025-06-02T09:10:00.000Z',
  agentUpdated: '2025-06-03T14:00:00.000Z',
  sessionStarted: '2025-06-04T10:15:00.000Z',
  runStarted: '2025-06-04T10:15:02.000Z',
  runCompleted: '2025-06-04T10:15:04.120Z',
  lastLogin: '2025-06-04T08:55:12.000Z',
  fileUploaded: '2025-06-05T11:00:00.000Z',
  fileAttached: '2025-06-05T11:01:00.000Z',
  fileProcessed: '2025-06-05T11:01:02.400Z',
  taskCreated: '2025-06-06T08:00:00.000Z',
  taskQueued: '2025-06-06T08:00:00.020Z',
  taskStarted: '2025-06-06T08:00:00.180Z',
  taskCompleted: '2025-06-06T08:00:02.410Z',
} as const;

/** The examples' chat turn: a question to the support agent, its answer and what it cost. */
export const exampleTurn = {
  question: 'How long do refunds take?',
  answer:
    'Refunds are processed within 5 business days of approval. You will get an email as soon as the money is on its way.',
  suggestions: ['Can I get the refund to a different card?', 'How do I request a refund?'],
  usage: { input_tokens: 412, output_tokens: 38, total_tokens: 450 },
};
