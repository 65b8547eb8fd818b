import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
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
    agent_id: z.uuid().describe('An agent of your organization'),
    user_id: endUserId.optional(),
    title: title.optional(),
    metadata: metadataField.optional(),
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
    example: [
      createSessionExample,
      { agent_id: exampleIds.agent, user_id: 'customer-57', title: 'Invoice address change' },
    ],
  });

export const bulkDeleteSessionsBody = z
  .object({
    session_ids: z.array(z.uuid()).min(1).max(BULK_LIMIT),
  })
  .strict()
  .meta({
    id: 'SessionBulkDelete',
    example: { session_ids: [exampleIds.session, exampleIds.secondSession] },
  });

export const sessionSortFields = ['created_at', 'updated_at', 'last_activity'] as const;

export const listSessionsQuery = pageQuery(20, 100).extend({
  agent_id: z.uuid().optional(),
  user_id: storedText(255).min(1).optional(),
  status: z.enum(sessionStatuses).optional(),
  sort_by: z.enum(sessionSortFields).default('last_activity'),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});

export type CreateSessionBody = z.infer<typeof createSessionBody>;
export type UpdateSessionBody = z.infer<typeof updateSessionBody>;
export type ListSessionsQuery = z.infer<typeof listSessionsQuery>;

const sessionExample = {
  id: exampleIds.session,
  organization_id: exampleIds.organization,
  agent_id: exampleIds.agent,
  user_id: 'customer-42',
  title: 'Refund for order 1042',
  status: 'active',
  message_count: 3,
  last_activity: exampleTimes.runCompleted,
  context_summary: null,
  metadata: { channel: 'web' },
  created_by_user_id: null,
  created_by_api_key_id: exampleIds.apiKey,
  created_at: exampleTimes.sessionStarted,
  updated_at: exampleTimes.runCompleted,
};
const secondSessionExample = {
  ...sessionExample,
  id: exampleIds.secondSession,
  user_id: 'customer-57',
  title: 'Invoice address change',
  message_count: 0,
  last_activity: '2025-06-04T10:16:00.000Z',
  metadata: {},
  created_at: '2025-06-04T10:16:00.000Z',
  updated_at: '2025-06-04T10:16:00.000Z',
};

export const sessionView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    agent_id: z.uuid(),
    user_id: z.string().nullable(),
    title: z.string().nullable(),
    status: z.enum(sessionStatuses),
    message_count: z.number().int().describe('Live (not deleted) messages of the session'),
    last_activity: timestamp.describe('When the session was created or last received a message'),
    context_summary: z.string().nullable(),
    metadata: metadataView,
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Session', example: sessionExample });
export const sessionListView = z.array(sessionView).meta({ example: [sessionExample, secondSessionExample] });

export type SessionView = z.infer<typeof sessionView>;
