import { z } from 'zod';
import { nullableTimestamp, pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { processingStatuses } from './knowledge-tables.ts';

export const contentFindingView = z
  .object({
    code: z.string().describe('script_tag, javascript_url, eval_call, formula_injection, external_link, ...'),
    message: z.string(),
    location: z.string().optional(),
  })
  .meta({ id: 'ContentFinding' });

/** What a file's content and its extraction look like, in every file and agent-file view. */
const contentFields = {
  filename: z.string(),
  size_bytes: z.number().int(),
  mime_type: z.string().describe('Detected from the bytes, served with every download'),
  sha256: z.string(),
  processing_status: z
    .enum(processingStatuses)
    .describe('pending until an agent first reads the file; one extraction serves every agent'),
  error: z.string().nullable().describe('Why the extraction failed, when it did'),
  char_count: z.number().int().nullable(),
  page_count: z.number().int().nullable(),
  chunk_count: z.number().int().nullable(),
  findings: z.array(contentFindingView).describe('What the upload screening and the extraction noticed'),
  processed_at: nullableTimestamp,
};

const fileExample = {
  id: exampleIds.file,
  organization_id: exampleIds.organization,
  project_id: exampleIds.project,
  filename: 'refund-policy.pdf',
  purpose: 'agent_context',
  size_bytes: 48_213,
  mime_type: 'application/pdf',
  sha256: '9f2b5c1e8a7d4b3c6e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d',
  processing_status: 'processed',
  error: null,
  char_count: 12_480,
  page_count: 4,
  chunk_count: 11,
  findings: [],
  attached_agents: 1,
  created_at: exampleTimes.fileUploaded,
  processed_at: exampleTimes.fileProcessed,
} as const;

export const fileView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    project_id: z
      .uuid()
      .nullable()
      .describe('The project the file belongs to; null: the organization at large'),
    ...contentFields,
    purpose: z.string(),
    attached_agents: z.number().int().describe('How many agents read this file'),
    created_at: timestamp,
  })
  .meta({ id: 'File', example: fileExample });
export type FileView = z.infer<typeof fileView>;

export const fileListView = z.array(fileView).meta({ id: 'FileList', example: [fileExample] });

export const listFilesQuery = pageQuery(50, 200).extend({
  purpose: z.string().trim().min(1).max(64).optional(),
  processing_status: z.enum(processingStatuses).optional(),
  search: z.string().trim().min(1).max(255).optional().describe('Part of the file name, any case'),
  project_id: z.uuid().optional().describe('Only the files of this project'),
});
export type ListFilesQuery = z.infer<typeof listFilesQuery>;

export const deleteFileQuery = z.object({
  force: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true')
    .describe('Detach the file from every agent first (each detachment is recorded in the agent’s history)'),
});

/** The multipart form of an upload, described for the OpenAPI document (the route reads it as a stream). */
export const uploadForm = z
  .object({
    file: z.string().meta({ format: 'binary' }).describe('The document: .pdf .docx .xlsx .csv .md .txt'),
    purpose: z
      .string()
      .max(64)
      .optional()
      .describe('What the file is for; `agent_context` (the default) for knowledge files'),
    project_id: z
      .uuid()
      .optional()
      .describe(
        'A project of the organization the file belongs to; a project-scoped key’s uploads always belong to its project',
      ),
  })
  .meta({ example: { file: '(the bytes of refund-policy.pdf)', purpose: 'agent_context' } });

export const PURPOSE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

const agentFileExample = {
  id: exampleIds.agentFile,
  agent_id: exampleIds.agent,
  file_id: exampleIds.file,
  order_index: 0,
  filename: fileExample.filename,
  size_bytes: fileExample.size_bytes,
  mime_type: fileExample.mime_type,
  sha256: fileExample.sha256,
  processing_status: 'pending',
  error: null,
  char_count: null,
  page_count: null,
  chunk_count: null,
  findings: [],
  attached_at: exampleTimes.fileAttached,
  processed_at: null,
} as const;

export const agentFileView = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    file_id: z.uuid(),
    order_index: z.number().int().describe('Files are read in this order, lowest first'),
    ...contentFields,
    attached_at: timestamp,
  })
  .meta({ id: 'AgentFile', example: agentFileExample });
export type AgentFileView = z.infer<typeof agentFileView>;

export const agentFileListView = z
  .array(agentFileView)
  .meta({ id: 'AgentFileList', example: [agentFileExample] });

export const attachFileBody = z
  .object({
    file_id: z.uuid(),
    order_index: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()
  .meta({ id: 'AgentFileAttach', example: { file_id: exampleIds.file, order_index: 0 } });

export const updateAgentFileBody = z
  .object({ order_index: z.number().int().min(0).max(1_000_000) })
  .strict()
  .meta({ id: 'AgentFileUpdate', example: { order_index: 2 } });

export const agentFileParams = z.object({ id: z.uuid(), file_id: z.uuid() });
export const listAgentFilesQuery = pageQuery(50, 200);
