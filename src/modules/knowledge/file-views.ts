import { iso } from '../../platform/http/common-schemas.ts';
import type { AgentFileView, FileView } from './file-schemas.ts';
import type { agentFiles, ContentRow, files } from './knowledge-tables.ts';

const contentView = (filename: string, content: ContentRow) => ({
  filename,
  size_bytes: content.sizeBytes,
  mime_type: content.mimeType,
  sha256: content.sha256,
  processing_status: content.processingStatus,
  error: content.processingError,
  char_count: content.charCount,
  page_count: content.pageCount,
  chunk_count: content.chunkCount,
  findings: content.findings,
  processed_at: iso(content.processedAt),
});

export const toFileView = (
  file: typeof files.$inferSelect,
  content: ContentRow,
  attachedAgents: number,
): FileView => ({
  id: file.id,
  organization_id: file.organizationId,
  project_id: file.projectId,
  ...contentView(file.filename, content),
  purpose: file.purpose,
  attached_agents: attachedAgents,
  created_at: file.createdAt.toISOString(),
});

export const toAgentFileView = (
  attachment: typeof agentFiles.$inferSelect,
  file: typeof files.$inferSelect,
  content: ContentRow,
): AgentFileView => ({
  id: attachment.id,
  agent_id: attachment.agentId,
  file_id: attachment.fileId,
  order_index: attachment.orderIndex,
  ...contentView(file.filename, content),
  attached_at: attachment.createdAt.toISOString(),
});
