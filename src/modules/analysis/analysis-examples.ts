import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { definitionExamples } from '../definitions/definition-schemas.ts';

/** Ids and times of the analysis examples: seed 003's Classify Message over three inline items. */
export const analysisExampleIds = {
  run: '01973f20-4c00-7b31-8e52-3a9d6c1f0e84',
  secondRun: '01973f28-0a00-7d14-9c63-5b2e8f1a4d07',
  proposal: '01973f20-5e10-7a4c-b2d7-9f1e3c6a8b52',
  turnRun: '01973f20-5d80-7f2e-a1b9-4c7d2e8f6a13',
  created: '2025-06-08T09:00:00.000Z',
  queued: '2025-06-08T09:00:05.000Z',
  started: '2025-06-08T09:00:05.200Z',
  completed: '2025-06-08T09:00:09.400Z',
} as const;

/** Seed 003 section 4.1's "Classify Message" schema. */
const classifyMessageSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string' },
  },
  required: ['category', 'confidence'],
};

export const exampleItems = [
  'The app crashes when I log in on iOS',
  'Please add a dark mode to the dashboard',
  'How do I reset my password?',
];

export const exampleOutput = {
  category: 'bug',
  confidence: 0.95,
  reasoning: 'The user reports a crash at sign-in, which is a defect.',
};

export const exampleOptions = { batch_size: 1, concurrency: 4 };

const exampleSnapshot = {
  assignment_id: definitionExamples.assignmentId,
  agent: {
    id: exampleIds.agent,
    name: 'Message Classifier',
    version: 3,
    checksum: '9b2f6c1e0d4a7b3c5e8f1a2d4c6b8e0f1a3c5e7d9b1f3a5c7e9d1b3f5a7c9e1d',
    configuration: {
      provider_id: exampleIds.provider,
      model: 'llama3',
      temperature: 0.7,
      max_tokens: 500,
      prompt: 'You are a message classifier. Analyze and categorize messages.',
    },
  },
  task_definition: {
    id: definitionExamples.definitionId,
    name: 'Classify Message',
    version: 2,
    instructions: 'Classify the message. Explain your choice in one sentence in `reasoning`.',
    response_schema: classifyMessageSchema,
  },
  model: {
    provider: { id: exampleIds.provider, name: 'Ollama Local', type: 'ollama' },
    model: 'llama3',
    fallback: null,
  },
  options: exampleOptions,
  source: { type: 'inline', items_total: 3 },
};

export const exampleRunView = {
  id: analysisExampleIds.run,
  organization_id: exampleIds.organization,
  assignment_id: definitionExamples.assignmentId,
  agent_id: exampleIds.agent,
  task_definition_id: definitionExamples.definitionId,
  status: 'completed',
  trigger_type: 'manual',
  source: { type: 'inline' },
  options: exampleOptions,
  config_snapshot: exampleSnapshot,
  rerun_of: null,
  progress: { items_total: 3, items_done: 3, items_failed: 0, items_pending: 0, percent: 100 },
  proposals_total: 3,
  proposals_pending: 1,
  proposals_approved: 2,
  proposals_rejected: 0,
  llm_tokens_used: 795,
  usage: { input_tokens: 708, output_tokens: 87, total_tokens: 795 },
  cost_estimate: null,
  timings: { duration_ms: 4200, mean_item_latency_ms: 1870, max_item_latency_ms: 2310 },
  error: null,
  item_errors: [],
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: analysisExampleIds.created,
  queued_at: analysisExampleIds.queued,
  started_at: analysisExampleIds.started,
  completed_at: analysisExampleIds.completed,
  updated_at: analysisExampleIds.completed,
};

export const exampleProposalView = {
  id: analysisExampleIds.proposal,
  organization_id: exampleIds.organization,
  run_id: analysisExampleIds.run,
  item_index: 0,
  source_ref: { type: 'inline', index: 0 },
  input: exampleItems[0],
  output: exampleOutput,
  status: 'approved',
  reason: null,
  reviewed_by_user_id: exampleIds.user,
  reviewed_by_api_key_id: null,
  reviewed_at: '2025-06-08T09:30:00.000Z',
  created_at: '2025-06-08T09:00:07.100Z',
};
