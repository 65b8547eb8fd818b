import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { metadataField, metadataView, storedText } from './conversation-fields.ts';
import { sessionStatuses } from './conversation-tables.ts';

export const BULK_LIMIT = 100;

const endUserId = storedText(255)
  .min(1)
  .describe('Your identifier of the end user (not an Agentry user), e.g. a customer id');
const title = storedText(500);

export const createSessionBody = z
  .object({
    agent_id: z.uuid().describe('An agent of your organization'),
    user_id: endUserId.optional(),
    title: title.optional(),
    metadata: metadataField.optional(),
  })
  .strict()
  .meta({ id: 'SessionCreate' });

export const updateSessionBody = z
  .object({
    title: title.nullable().optional(),
    user_id: endUserId.nullable().optional(),
    status: z.enum(sessionStatuses).optional(),
    metadata: metadataField.optional(),
  })
  .strict()
  .meta({ id: 'SessionUpdate' });

export const bulkCreateSessionsBody = z.array(createSessionBody).min(1).max(BULK_LIMIT);

export const bulkDeleteSessionsBody = z
  .object({
    session_ids: z.array(z.uuid()).min(1).max(BULK_LIMIT),
  })
  .strict()
  .meta({ id: 'SessionBulkDelete' });

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
  .meta({ id: 'Session' });

export type SessionView = z.infer<typeof sessionView>;
