import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { metadataField, metadataView, storedText } from './conversation-fields.ts';
import { sessionStatuses } from './conversation-tables.ts';

export const BULK_LIMIT = 100;

const endUserId = storedText(255)
  .min(1)
  .describe('Your identifier of the end user (not an Agentry user), e.g. a customer id');
const title = storedText(500);

const createSessionExample = {
  agent_id: exampleIds.agent,
  user_id: 'customer-42',
  title: 'Refund for order 1042',
  metadata: { channel: 'web' },
};

export const createSessionBody = z
  .object({
    agent_id: z
      .uuid()
      .optional()
      .describe(
        'An agent of your organization. Without one (seed 004), the first turn that names the session binds it to its agent',
      ),
    user_id: endUserId.optional(),
    title: title
      .optional()
      .describe('Without one, the session is titled after its first user message (at most 80 characters)'),
    metadata: metadataField.optional(),
    project_id: z
      .uuid()
      .nullable()
      .optional()
      .describe(
        'The project of a session without an agent (a session with one is in its agent’s project); a project-scoped key’s sessions are in its project',
      ),
  })
  .strict()
  .meta({ id: 'SessionCreate', example: createSessionExample });

export const updateSessionBody = z
  .object({
    title: title.nullable().optional(),
    user_id: endUserId.nullable().optional(),
    status: z.enum(sessionStatuses).optional(),
    metadata: metadataField.optional(),
  })
  .strict()
  .meta({ id: 'SessionUpdate', example: { title: 'Refund for order 1042 (resolved)', status: 'archived' } });

export const bulkCreateSessionsBody = z
  .array(createSessionBody)
  .min(1)
  .max(BULK_LIMIT)
  .meta({
    example: [createSessionExample, { user_id: 'customer-57', title: 'Invoice address change' }],
  });

const bulkDeleteIds = z.array(z.uuid()).min(1).max(BULK_LIMIT);

/** `{session_ids: [...]}`, or (seed 004) the array of ids as the whole body. */
export const bulkDeleteSessionsBody = z
  .union([z.object({ session_ids: bulkDeleteIds }).strict(), bulkDeleteIds])
  .meta({
    id: 'SessionBulkDelete',
    example: { session_ids: [exampleIds.session, exampleIds.secondSession] },
  });
export type BulkDeleteSessionsBody = z.infer<typeof bulkDeleteSessionsBody>;

/** The ids of either form. */
export const idsToDelete = (body: BulkDeleteSessionsBody) => (Array.isArray(body) ? body : body.session_ids);

export const sessionSortFields = ['created_at', 'updated_at', 'last_activity'] as const;

/** The list filter's value for the sessions no turn has bound to an agent yet. */
export const NO_AGENT = 'none';

export const listSessionsQuery = pageQuery(20, 100).extend({
  agent_id: z
    .union([z.uuid(), z.literal(NO_AGENT)])
    .optional()
    .describe(`An agent's sessions; \`${NO_AGENT}\`: the sessions without an agent`),
  user_id: storedText(255).min(1).optional(),
  status: z.enum(sessionStatuses).optional(),
  project_id: z.uuid().optional().describe('Only the sessions of this project'),
  sort_by: z.enum(sessionSortFields).default('last_activity'),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});

export type CreateSessionBody = z.infer<typeof createSessionBody>;
export type UpdateSessionBody = z.infer<typeof updateSessionBody>;
export type ListSessionsQuery = z.infer<typeof listSessionsQuery>;

const sessionExample = {
  id: exampleIds.session,
  organization_id: exampleIds.organization,
  project_id: exampleIds.project,
  agent_id: exampleIds.agent,
  user_id: 'customer-42',
  title: 'Refund for order 1042',
  status: 'active',
  message_count: 34,
  last_activity: exampleTimes.runCompleted,
  context_summary:
    'user: My order 1042 arrived damaged.\nassistant: I am sorry to hear that. Could you send a photo of the damage?',
  context_summary_updated_at: exampleTimes.runCompleted,
  context_summary_message_count: 12,
  metadata: { channel: 'web' },
  created_by_user_id: null,
  created_by_api_key_id: exampleIds.apiKey,
  created_at: exampleTimes.sessionStarted,
  updated_at: exampleTimes.runCompleted,
};
const secondSessionExample = {
  ...sessionExample,
  id: exampleIds.secondSession,
  // Created without an agent: no turn has named it yet.
  agent_id: null,
  user_id: 'customer-57',
  title: 'Invoice address change',
  message_count: 0,
  last_activity: '2025-06-04T10:16:00.000Z',
  context_summary: null,
  context_summary_updated_at: null,
  context_summary_message_count: 0,
  metadata: {},
  created_at: '2025-06-04T10:16:00.000Z',
  updated_at: '2025-06-04T10:16:00.000Z',
};

export const sessionView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    project_id: z
      .uuid()
      .nullable()
      .describe('The project the session belongs to (its agent’s); null: the organization at large'),
    agent_id: z
      .uuid()
      .nullable()
      .describe(
        'The agent the session belongs to; null for a session created without one until a turn binds it, after which it never changes',
      ),
    user_id: z.string().nullable(),
    title: z
      .string()
      .nullable()
      .describe(
        'Given at creation or by an update; else taken from the first user message (at most 80 characters); null until then',
      ),
    status: z.enum(sessionStatuses),
    message_count: z.number().int().describe('Live (not deleted) messages of the session'),
    last_activity: timestamp.describe('When the session was created or last received a message'),
    context_summary: z
      .string()
      .nullable()
      .describe(
        "Summary of the messages older than the agent's thread window (memory.thread_window), made in the background; turns put it ahead of the window. Null until the conversation outgrows the window",
      ),
    context_summary_updated_at: nullableTimestamp.describe('When context_summary was last made'),
    context_summary_message_count: z
      .number()
      .int()
      .describe('How many of the oldest messages context_summary covers'),
    metadata: metadataView,
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Session', example: sessionExample });
export const sessionListView = z.array(sessionView).meta({ example: [sessionExample, secondSessionExample] });

export type SessionView = z.infer<typeof sessionView>;
