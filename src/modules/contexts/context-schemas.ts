import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { contextAccessLevels, contextChangeTypes } from './context-tables.ts';

/** The largest context document, serialized as JSON (UTF-8 bytes): 413 payload_too_large beyond. */
export const MAX_CONTEXT_DATA_BYTES = 256 * 1024;

/** Ids and times of this module's OpenAPI examples, after those of the shared examples. */
const examples = {
  contextId: '01973f20-4c00-7a1e-9b3d-2c5e8f7a1d09',
  reviewer: '01973f21-0b40-7c2d-8e4f-6a1b3c5d7e92',
  created: '2025-06-08T09:00:00.000Z',
  updated: '2025-06-08T10:30:00.000Z',
} as const;

const exampleData = {
  customer: 'Acme Corp',
  open_ticket: 'INV-7',
  next_step: 'Refund approved; confirm the card on file',
};

export const contextName = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(
    /^[^\p{Cc}\p{Cs}]*$/u,
    'must not contain control characters (line breaks, tabs, ...) or lone surrogates',
  )
  .describe('Unique among the agent’s contexts (case-sensitive); surrounding spaces are removed');
export const contextData = z
  .record(z.string(), z.unknown())
  .describe(
    `A JSON object, the whole document (a write replaces it); at most ${MAX_CONTEXT_DATA_BYTES / 1024} KB once serialized (413 beyond)`,
  );
const changeDescription = z.string().max(2_000).optional().describe('Why; recorded on the new version');
const versionNumber = z.coerce.number().int().min(1).max(2_147_483_647);

export const createContextBody = z
  .object({
    name: contextName,
    // Seed 002's get_or_create_context passes the name alone: version 1 is then the empty document.
    data: contextData.default({}),
    change_description: changeDescription,
  })
  .strict()
  .meta({
    id: 'AgentContextCreate',
    example: { name: 'customer_case', data: exampleData, change_description: 'Case opened' },
  });
export type CreateContextBody = z.infer<typeof createContextBody>;

export const writeContextBody = z
  .object({ data: contextData, change_description: changeDescription })
  .strict()
  .meta({
    id: 'AgentContextWrite',
    example: { data: exampleData, change_description: 'Refund approved' },
  });
export type WriteContextBody = z.infer<typeof writeContextBody>;

export const rollbackContextBody = z
  .object({
    version: versionNumber.describe('The retained version whose data the new version takes'),
    change_description: changeDescription,
  })
  .strict()
  .meta({ id: 'AgentContextRollback', example: { version: 1, change_description: 'Undo the refund note' } });
export type RollbackContextBody = z.infer<typeof rollbackContextBody>;

export const shareContextBody = z
  .object({
    access: z
      .enum(contextAccessLevels)
      .describe(
        'read: the agent sees it in its prompt and may read_context it; read_write: may also write_context it',
      ),
  })
  .strict()
  .meta({ id: 'AgentContextShareChange', example: { access: 'read' } });

export const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .max(40)
    .optional()
    .describe(
      'The version the write expects, as the ETag ("3") or bare (3): 412 when the context is at another',
    ),
});

export const getContextQuery = z.object({
  version: versionNumber
    .optional()
    .describe('A retained version to read instead of the current one (404 when pruned or unknown)'),
});
export const listContextsQuery = pageQuery(50, 200);
export const listVersionsQuery = pageQuery(50, 200).extend({
  include_data: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: each version carries its data'),
});
export type ListVersionsQuery = z.infer<typeof listVersionsQuery>;
export const listSharesQuery = pageQuery(50, 200);
export const shareParams = z.object({ id: z.uuid(), agent_id: z.uuid() });

const contextExample = {
  id: examples.contextId,
  organization_id: exampleIds.organization,
  project_id: null,
  agent_id: exampleIds.agent,
  name: 'customer_case',
  version: 3,
  current_version: 3,
  data: exampleData,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: examples.created,
  updated_at: examples.updated,
};

export const contextView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    project_id: z.uuid().nullable().describe('The owning agent’s project'),
    agent_id: z.uuid().describe('The agent that owns the context'),
    name: z.string(),
    version: z
      .number()
      .int()
      .describe('The version whose data this is: the current one unless ?version= asked'),
    current_version: z.number().int().describe('The newest version; also the ETag'),
    data: z.record(z.string(), z.unknown()),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp.describe('When the current version was written'),
  })
  .meta({ id: 'AgentContext', example: contextExample });
export type ContextView = z.infer<typeof contextView>;

const listItemExample = {
  id: examples.contextId,
  organization_id: exampleIds.organization,
  project_id: null,
  owner_agent_id: exampleIds.agent,
  name: 'customer_case',
  current_version: 3,
  access: 'owner',
  created_at: examples.created,
  updated_at: examples.updated,
};

export const contextListView = z
  .array(
    z.object({
      id: z.uuid(),
      organization_id: z.uuid(),
      project_id: z.uuid().nullable(),
      owner_agent_id: z.uuid().describe('The agent that owns it: this agent, or the one that shared it'),
      name: z.string(),
      current_version: z.number().int(),
      access: z
        .enum(['owner', ...contextAccessLevels])
        .describe('owner: the agent’s own; read or read_write: shared with it'),
      created_at: timestamp,
      updated_at: timestamp,
    }),
  )
  .meta({ id: 'AgentContextList', example: [listItemExample] });
export type ContextListItem = z.infer<typeof contextListView>[number];

const versionExample = {
  context_id: examples.contextId,
  version: 3,
  change_type: 'rollback',
  change_description: 'Undo the refund note',
  restored_version: 1,
  created_by: { user_id: exampleIds.user, api_key_id: null, agent_id: null, run_id: null },
  created_at: examples.updated,
};

export const contextVersionView = z
  .object({
    context_id: z.uuid(),
    version: z.number().int(),
    change_type: z.enum(contextChangeTypes),
    change_description: z.string().nullable(),
    restored_version: z.number().int().nullable().describe('The version a rollback restored'),
    created_by: z
      .object({
        user_id: z.uuid().nullable(),
        api_key_id: z.uuid().nullable(),
        agent_id: z.uuid().nullable().describe('Set when an agent wrote it with its write_context tool'),
        run_id: z.uuid().nullable().describe('The run of that agent'),
      })
      .describe('A user or API key for API writes; an agent and its run for tool writes'),
    created_at: timestamp,
    data: z.record(z.string(), z.unknown()).optional().describe('Only with include_data=true'),
  })
  .meta({ id: 'AgentContextVersion', example: versionExample });
export type ContextVersionView = z.infer<typeof contextVersionView>;
export const contextVersionListView = z
  .array(contextVersionView)
  .meta({ id: 'AgentContextVersionList', example: [versionExample] });

const shareExample = {
  context_id: examples.contextId,
  agent_id: examples.reviewer,
  access: 'read',
  created_at: examples.updated,
};

export const contextShareView = z
  .object({
    context_id: z.uuid(),
    agent_id: z.uuid().describe('The agent it is shared with'),
    access: z.enum(contextAccessLevels),
    created_at: timestamp,
  })
  .meta({ id: 'AgentContextShare', example: shareExample });
export type ContextShareView = z.infer<typeof contextShareView>;
export const contextShareListView = z
  .array(contextShareView)
  .meta({ id: 'AgentContextShareList', example: [shareExample] });
