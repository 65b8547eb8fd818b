import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { memoryScopes } from './memory-tables.ts';

/** The longest statement a memory holds. */
export const MEMORY_CONTENT_MAX_CHARS = 4_000;
/** The most memories a search returns. */
export const MEMORY_SEARCH_MAX_K = 50;

const exampleMemoryId = '01973e40-5d00-7b1c-9a2e-4f6d8c0b1a37';
const exampleUser = 'customer-42';

const content = z
  .string()
  .trim()
  .min(1)
  .max(MEMORY_CONTENT_MAX_CHARS)
  .refine((value) => /[\p{L}\p{N}]/u.test(value), { message: 'must contain a letter or a digit' })
  .describe('The statement remembered, e.g. "Prefers to be contacted by email"');
const kind = z
  .string()
  .trim()
  .regex(
    /^[a-z][a-z0-9_-]{0,49}$/,
    'must be lower-case letters, digits, _ or - (at most 50), starting with a letter',
  )
  .describe('What sort of memory: fact, preference, summary, episode, reflection, ... (your own words)');
const metadata = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 16 * 1024, {
    message: 'must be at most 16 KB once serialized',
  })
  .describe('Your own labels (at most 16 KB); never read by Agentry');
const endUserId = z.string().min(1).max(255).describe('Your identifier of the end user');
const scope = z
  .enum(memoryScopes)
  .describe('agent: the agent’s own; user: about one end user; thread: from one session (thread)');

export const createMemoryBody = z
  .object({
    content,
    kind: kind.default('fact'),
    scope,
    user_id: endUserId.optional().describe('Required for scope user; for scope thread, the session’s user'),
    session_id: z.uuid().optional().describe('Required for scope thread: a session of this agent'),
    metadata: metadata.optional(),
  })
  .strict()
  .superRefine((body, context) => {
    const refuse = (path: string, message: string) =>
      context.addIssue({ code: 'custom', path: [path], message });
    if (body.scope === 'user' && body.user_id === undefined) refuse('user_id', 'is required for scope user');
    if (body.scope === 'thread' && body.session_id === undefined)
      refuse('session_id', 'is required for scope thread');
    if (body.scope === 'agent' && body.user_id !== undefined)
      refuse('user_id', 'is not allowed for scope agent');
    if (body.scope !== 'thread' && body.session_id !== undefined)
      refuse('session_id', `is not allowed for scope ${body.scope}`);
  })
  .meta({
    id: 'MemoryCreate',
    example: {
      content: 'Prefers to be contacted by email',
      kind: 'preference',
      scope: 'user',
      user_id: exampleUser,
      metadata: { source: 'crm' },
    },
  });
export type CreateMemoryBody = z.infer<typeof createMemoryBody>;

export const updateMemoryBody = z
  .object({
    content: content.optional(),
    kind: kind.optional(),
    metadata: metadata.optional().describe('Replaces the memory’s metadata'),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'give at least one of content, kind, metadata',
  })
  .meta({ id: 'MemoryUpdate', example: { content: 'Prefers to be contacted by phone after 6 pm' } });
export type UpdateMemoryBody = z.infer<typeof updateMemoryBody>;

export const listMemoriesQuery = pageQuery(50, 200).extend({
  scope: scope.optional(),
  namespace: z.string().min(1).max(400).optional().describe('Exactly this namespace'),
  user_id: endUserId
    .optional()
    .describe('Memories about this end user: their user memories and the thread memories of their sessions'),
  session_id: z.uuid().optional().describe('The thread memories of this session'),
  kind: z.string().min(1).max(50).optional(),
  search: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('Full-text search of the content (words, "a phrase", -excluded)'),
});
export type ListMemoriesQuery = z.infer<typeof listMemoriesQuery>;

export const forgetUserQuery = z.object({
  user_id: endUserId.optional().describe('Required: the end user to forget'),
});

export const searchMemoriesBody = z
  .object({
    query: z.string().trim().min(1).max(2_000).describe('A message, as a user would send it'),
    user_id: endUserId.optional().describe('Include this end user’s memories'),
    session_id: z.uuid().optional().describe('Include this session’s thread memories'),
    k: z
      .number()
      .int()
      .min(1)
      .max(MEMORY_SEARCH_MAX_K)
      .optional()
      .describe('How many memories, best first; the agent’s memory.k by default'),
  })
  .strict()
  .meta({
    id: 'MemorySearch',
    example: { query: 'How should we reach you?', user_id: exampleUser, k: 3 },
  });
export type SearchMemoriesBody = z.infer<typeof searchMemoriesBody>;

const memoryExample = {
  id: exampleMemoryId,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  namespace: `${exampleIds.organization}:${exampleIds.agent}:user:${exampleUser}`,
  scope: 'user',
  user_id: exampleUser,
  session_id: null,
  kind: 'preference',
  content: 'Prefers to be contacted by email',
  metadata: {},
  source: { run_id: exampleIds.run, message_id: exampleIds.userMessage },
  reinforcement: 3,
  access_count: 2,
  last_accessed_at: exampleTimes.runCompleted,
  created_at: exampleTimes.sessionStarted,
  updated_at: exampleTimes.sessionStarted,
} as const;

const memoryFields = {
  id: z.uuid(),
  organization_id: z.uuid(),
  agent_id: z.uuid(),
  namespace: z
    .string()
    .describe('`{org}:{agent}`, `{org}:{agent}:user:{user_id}` or `{org}:{agent}:thread:{session_id}`'),
  scope: z.enum(memoryScopes),
  user_id: z.string().nullable().describe('The end user of a user memory, and of a thread memory when known'),
  session_id: z.uuid().nullable().describe('The session of a thread memory'),
  kind: z.string(),
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  source: z
    .object({ run_id: z.uuid().nullable(), message_id: z.uuid().nullable() })
    .describe('The run and message it was learnt from; null for a memory added through the API'),
  reinforcement: z
    .number()
    .int()
    .describe('1 when first stored; each restatement and each recall by a turn adds 1'),
  access_count: z.number().int().describe('How many turns were given it'),
  last_accessed_at: nullableTimestamp.describe('When a turn was last given it'),
  created_at: timestamp,
  updated_at: timestamp.describe('When it was last restated or edited'),
};

export const memoryView = z.object(memoryFields).meta({ id: 'Memory', example: memoryExample });
export type MemoryView = z.infer<typeof memoryView>;

export const memoryListView = z.array(memoryView).meta({ id: 'MemoryList', example: [memoryExample] });

export const storedMemoryView = z
  .object({
    ...memoryFields,
    reinforced: z
      .boolean()
      .describe('true (status 200): the namespace already held the statement, which was reinforced'),
  })
  .meta({ id: 'StoredMemory', example: { ...memoryExample, reinforcement: 1, reinforced: false } });

const weightsView = z
  .object({
    alpha_recency: z.number(),
    alpha_semantic: z.number(),
    alpha_reinforcement: z.number(),
  })
  .describe('The agent’s memory settings the scores were computed with');

export const memorySearchView = z
  .object({
    query: z.string(),
    namespaces: z.array(z.string()).describe('The namespaces searched'),
    weights: weightsView,
    retrieval_mode: z
      .enum(['hybrid', 'full-text'])
      .describe(
        'hybrid: the query was embedded with the organization’s embedding model and compared with the memories’ embeddings; full-text otherwise',
      ),
    memories: z.array(
      z.object({
        ...memoryFields,
        score: z
          .number()
          .describe('alpha_recency*recency + alpha_semantic*relevance + alpha_reinforcement*reinforcement'),
        components: z
          .object({
            recency: z.number(),
            relevance: z
              .number()
              .describe(
                'max(text_relevance, vector_similarity), or text_relevance when vector_similarity is null',
              ),
            text_relevance: z.number().describe('The full-text relevance (overlap of words)'),
            vector_similarity: z
              .number()
              .nullable()
              .describe(
                'Cosine similarity of the query’s and the memory’s embeddings, clamped to [0, 1]; null when either has none',
              ),
            reinforcement: z.number(),
          })
          .describe('Each in [0, 1] (docs/memory.md)'),
      }),
    ),
  })
  .meta({
    id: 'MemorySearchResult',
    example: {
      query: 'How should we reach you?',
      namespaces: [`${exampleIds.organization}:${exampleIds.agent}`, memoryExample.namespace],
      weights: { alpha_recency: 0.35, alpha_semantic: 0.45, alpha_reinforcement: 0.2 },
      retrieval_mode: 'hybrid',
      memories: [
        {
          ...memoryExample,
          score: 0.6963,
          components: {
            recency: 0.8909,
            relevance: 0.69,
            text_relevance: 0.5,
            vector_similarity: 0.69,
            reinforcement: 0.37,
          },
        },
      ],
    },
  });
export type MemorySearchView = z.infer<typeof memorySearchView>;

export const forgottenUserView = z
  .object({ user_id: z.string(), deleted: z.number().int().describe('Memories deleted') })
  .meta({ id: 'ForgottenMemoryUser', example: { user_id: exampleUser, deleted: 7 } });
