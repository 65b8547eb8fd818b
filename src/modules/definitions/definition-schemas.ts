import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';

/** Ids and times of this module's OpenAPI examples, after those of the shared examples. */
export const definitionExamples = {
  definitionId: '01973e10-5a00-7c4b-8d2e-1f6a3b9c7d21',
  assignmentId: '01973e12-0c80-7e5f-9a13-6b2d4c8e1f07',
  runId: '01973e14-3b20-7a91-b6c4-2e8f5d1a9c33',
  created: '2025-06-07T09:00:00.000Z',
  updated: '2025-06-07T09:30:00.000Z',
  assigned: '2025-06-07T09:40:00.000Z',
} as const;

/** Seed 003 section 4.1's "Classify Message" schema, as written. */
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

const boundedText = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes)
    .refine((value) => Buffer.byteLength(value, 'utf8') <= maxBytes, {
      message: `must be at most ${maxBytes / 1024} KB (UTF-8)`,
    });

const name = z.string().trim().min(1).max(255).describe('Unique in the organization, case-insensitively');
const description = boundedText(2 * 1024).nullable();
const instructions = boundedText(50 * 1024)
  .nullable()
  .describe('What the agent is told to do with each input; the description stands in when empty');
/** Checked with ajv by the service (draft-07 or 2020-12, root type object): 422 with the faulty path. */
const responseSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 64 * 1024, {
    message: 'must be at most 64 KB once serialized',
  })
  .describe(
    'The JSON Schema every answer must validate against: draft-07 or 2020-12 (by `$schema`; 2020-12 when absent), root type object',
  );
const changeReason = z.string().max(2_000).optional().describe('Why; recorded on the new version');
const expectedVersion = z
  .number()
  .int()
  .min(1)
  .max(2_147_483_647)
  .optional()
  .describe(
    'Optimistic concurrency: fail with 409 unless the definition is at this version (or send If-Match)',
  );

const classifyMessage = {
  name: 'Classify Message',
  description: 'Categorize incoming messages',
  response_schema: classifyMessageSchema,
  is_active: true,
};

export const createDefinitionBody = z
  .object({
    name,
    description: description.optional(),
    instructions: instructions.optional(),
    response_schema: responseSchema,
    is_active: z.boolean().optional().describe('true by default'),
  })
  .strict()
  .meta({ id: 'TaskDefinitionCreate', example: classifyMessage });
export type CreateDefinitionBody = z.infer<typeof createDefinitionBody>;

export const updateDefinitionBody = z
  .object({
    name: name.optional(),
    description: description.optional(),
    instructions: instructions.optional(),
    response_schema: responseSchema.optional(),
    is_active: z.boolean().optional(),
    change_reason: changeReason,
    expected_version: expectedVersion,
  })
  .strict()
  .meta({
    id: 'TaskDefinitionUpdate',
    example: {
      instructions: 'Classify the message. Explain your choice in one sentence in `reasoning`.',
      change_reason: 'Ask for the reasoning',
      expected_version: 1,
    },
  });
export type UpdateDefinitionBody = z.infer<typeof updateDefinitionBody>;

export const ifMatchHeaders = z.object({
  'if-match': z.string().max(40).optional().describe('The version the change expects, e.g. "3"'),
});

export const listDefinitionsQuery = pageQuery(50, 200).extend({
  active_only: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only active definitions'),
  search: z.string().max(200).optional().describe('Case-insensitive match in name and description'),
});
export type ListDefinitionsQuery = z.infer<typeof listDefinitionsQuery>;

export const versionsQuery = pageQuery(50, 200);
export const versionParams = z.object({
  id: z.uuid(),
  version: z.coerce.number().int().min(1).max(2_147_483_647),
});

const definitionExample = {
  id: definitionExamples.definitionId,
  organization_id: exampleIds.organization,
  ...classifyMessage,
  instructions: 'Classify the message. Explain your choice in one sentence in `reasoning`.',
  version: 2,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: definitionExamples.created,
  updated_at: definitionExamples.updated,
};

const snapshotShape = {
  name: z.string(),
  description: z.string().nullable(),
  instructions: z.string().nullable(),
  response_schema: z.record(z.string(), z.unknown()),
  is_active: z.boolean(),
};

export const definitionView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    ...snapshotShape,
    version: z.number().int().describe('Incremented by every change; runs record the version they used'),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'TaskDefinition', example: definitionExample });
export type DefinitionView = z.infer<typeof definitionView>;
export const definitionListView = z
  .array(definitionView)
  .meta({ id: 'TaskDefinitionList', example: [definitionExample] });

const versionExample = {
  task_definition_id: definitionExamples.definitionId,
  version: 2,
  ...classifyMessage,
  instructions: definitionExample.instructions,
  checksum: '5d0c1b3e6f1f0f3a9f4e2c7b8a6d5e4f3c2b1a0987654321fedcba9876543210',
  change_type: 'updated',
  changed_fields: ['instructions'],
  change_reason: 'Ask for the reasoning',
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: definitionExamples.updated,
};

export const versionView = z
  .object({
    task_definition_id: z.uuid(),
    version: z.number().int(),
    ...snapshotShape,
    checksum: z.string().describe('SHA-256 of the canonical JSON of the five fields above'),
    change_type: z.enum(['created', 'updated']),
    changed_fields: z.array(z.string()).describe('What differs from the previous version'),
    change_reason: z.string().nullable(),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'TaskDefinitionVersion', example: versionExample });
export type VersionView = z.infer<typeof versionView>;
export const versionListView = z
  .array(versionView)
  .meta({ id: 'TaskDefinitionVersionList', example: [versionExample] });
