import type { MessageRow } from './message-repository.ts';
import type { MessageView } from './message-schemas.ts';
import type { SessionRow } from './session-repository.ts';
import type { SessionView } from './session-schemas.ts';

export const toSessionView = (row: SessionRow): SessionView => ({
  id: row.id,
  organization_id: row.organizationId,
  project_id: row.projectId,
  agent_id: row.agentId,
  user_id: row.userId,
  title: row.title,
  status: row.status,
  message_count: row.messageCount,
  last_activity: row.lastActivity.toISOString(),
  context_summary: row.contextSummary,
  context_summary_updated_at: row.contextSummaryUpdatedAt?.toISOString() ?? null,
  context_summary_message_count: row.contextSummaryMessageCount,
  metadata: row.metadata,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toMessageView = (row: MessageRow): MessageView => ({
  id: row.id,
  organization_id: row.organizationId,
  session_id: row.sessionId,
  role: row.role,
  content: row.content,
  metadata: row.metadata,
  tool_calls: row.toolCalls,
  parent_message_id: row.parentMessageId,
  feedback_score: row.feedbackScore,
  feedback_reason: row.feedbackReason,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
