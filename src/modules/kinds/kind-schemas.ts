import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';

const workflowExample = {
  id: '01972fd0-0c00-7e31-9a6b-2c4d8f1e3a57',
  slug: 'workflow',
  name: 'Workflow agent',
  agent_type: 'automation',
  description: 'Works through named steps, several at once at most max_parallel.',
  capabilities: ['tasks', 'tools', 'structured_output', 'workflow_steps'],
  config_schema: {
    type: 'object',
    properties: {
      steps: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 200 },
        maxItems: 100,
        description: 'The steps, in order',
      },
      max_parallel: { type: 'integer', minimum: 1, maximum: 32, description: 'Steps running at once' },
    },
    additionalProperties: false,
  },
  metadata: {},
  is_enabled: true,
  is_loaded: true,
  source: 'builtin',
  created_at: '2025-06-01T08:00:00.000Z',
  updated_at: '2025-06-01T08:00:00.000Z',
};

export const definitionView = z
  .object({
    id: z.uuid(),
    slug: z.string().describe('What an agent’s `kind` names'),
    name: z.string(),
    agent_type: z.string().describe('The kind’s category (`assistant`, `automation`, ...)'),
    description: z.string().nullable(),
    capabilities: z.array(z.string()),
    config_schema: z
      .record(z.string(), z.unknown())
      .describe('The JSON Schema an agent’s `settings` must match (422 naming the path otherwise)'),
    metadata: z.record(z.string(), z.unknown()),
    is_enabled: z.boolean().describe('Set by the operator (`agentry agent-definitions enable|disable`)'),
    is_loaded: z
      .boolean()
      .describe('Whether this server has the kind’s code (its module is in AGENT_REGISTRY_MODULES)'),
    source: z.string().describe('`builtin`, or the module that registered the kind'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'AgentDefinition', example: workflowExample });
export type DefinitionView = z.infer<typeof definitionView>;

export const definitionListView = z
  .array(definitionView)
  .meta({ id: 'AgentDefinitionList', example: [workflowExample] });

const trueOrFalse = z
  .enum(['true', 'false'])
  .transform((value) => value === 'true')
  .optional();

export const listDefinitionsQuery = pageQuery(50, 200).extend({
  enabled_only: trueOrFalse.describe('true: only enabled definitions'),
  agent_type: z.string().max(50).optional(),
  capability: z.string().max(64).optional().describe('Definitions having this capability'),
});
export type ListDefinitionsQuery = z.infer<typeof listDefinitionsQuery>;

export const slugParams = z.object({ slug: z.string().min(1).max(64) });
