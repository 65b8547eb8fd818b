import { z } from 'zod';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { agentView, screeningFindingView } from '../agents/index.ts';
import { agentFileExample, agentFileObject } from './agent-file-format.ts';

const flag = (description: string) =>
  z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe(description);

export const exportQuery = z.object({
  include_versions: flag('true: every configuration version, oldest first (default: the current one only)'),
  include_files: flag('true: the attached files’ bytes, base64 (at most 25 MB in all; default: none)'),
});

export const importBody = agentFileObject
  .extend({
    overrides: z
      .object({
        name: z
          .string()
          .trim()
          .min(1)
          .max(255)
          .optional()
          .describe('The imported agent’s name instead of the file’s'),
        status: z.enum(['active', 'inactive']).optional(),
        project_id: z.uuid().nullable().optional().describe('A project of the organization'),
        replay_versions: z
          .boolean()
          .optional()
          .describe(
            'false: only the current configuration, as version 1 (default: replay the file’s versions)',
          ),
      })
      .strict()
      .optional()
      .describe('What the importer changes; not part of the exported file'),
  })
  .strict()
  .meta({
    id: 'AgentImport',
    example: { ...agentFileExample, overrides: { name: 'Support Agent (EU)' } },
  });

export type ImportBody = z.infer<typeof importBody>;

export const importView = z
  .object({
    agent: agentView,
    warnings: z
      .array(screeningFindingView)
      .describe(
        'What did not block the import: tools left out (tool_not_available), providers not found ' +
          '(provider_not_found, provider_mapped_by_type), prompt screening findings',
      ),
    contexts: z.array(z.object({ id: z.uuid(), name: z.string(), version: z.number().int() })),
    files: z.array(z.object({ file_id: z.uuid(), filename: z.string(), order_index: z.number().int() })),
  })
  .meta({
    id: 'AgentImportResult',
    example: {
      agent: { ...(agentView.meta()?.example as object), name: 'Support Agent (EU)' },
      warnings: [
        {
          rule: 'tool_not_available',
          severity: 'warn',
          field: 'tools',
          excerpt: 'order_lookup',
          message: 'The organization has no tool named order_lookup: left out',
        },
      ],
      contexts: [{ id: exampleIds.file, name: 'handover', version: 1 }],
      files: [],
    },
  });

export type ImportView = z.infer<typeof importView>;
