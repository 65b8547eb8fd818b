import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';

const METADATA_MAX_BYTES = 16 * 1024;

const name = z.string().trim().min(1).max(100).describe('Unique within the organization');
const description = z.string().max(2_000);
const metadata = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= METADATA_MAX_BYTES, {
    message: 'must be at most 16 KB once serialized',
  })
  .describe('Any JSON object (at most 16 KB); an update replaces it as a whole');

const projectExample = {
  id: exampleIds.project,
  organization_id: exampleIds.organization,
  name: 'Help center',
  description: 'Agents, conversations and documents of the public help center',
  metadata: { cost_center: 'CX-12' },
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  created_at: exampleTimes.projectCreated,
  updated_at: exampleTimes.projectCreated,
};

export const createProjectBody = z
  .object({ name, description: description.optional(), metadata: metadata.optional() })
  .strict()
  .meta({
    id: 'ProjectCreate',
    example: {
      name: projectExample.name,
      description: projectExample.description,
      metadata: projectExample.metadata,
    },
  });

export const updateProjectBody = z
  .object({
    name: name.optional(),
    description: description.nullable().optional().describe('null clears it'),
    metadata: metadata.optional(),
  })
  .strict()
  .meta({ id: 'ProjectUpdate', example: { description: 'Everything the public help center runs on' } });

export const listProjectsQuery = pageQuery(50, 200).extend({
  search: z.string().max(200).optional().describe('Case-insensitive match in name and description'),
});

export const projectView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Project', example: projectExample });
export const projectListView = z.array(projectView).meta({ example: [projectExample] });

export type CreateProjectBody = z.infer<typeof createProjectBody>;
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;
export type ProjectView = z.infer<typeof projectView>;
