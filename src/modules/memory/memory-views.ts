import { iso } from '../../platform/http/common-schemas.ts';
import type { MemoryRecord } from './memory-repository.ts';
import type { MemoryView } from './memory-schemas.ts';

export const toMemoryView = (row: MemoryRecord): MemoryView => ({
  id: row.id,
  organization_id: row.organizationId,
  agent_id: row.agentId,
  namespace: row.namespace,
  scope: row.scope,
  user_id: row.userId,
  session_id: row.sessionId,
  kind: row.kind,
  content: row.content,
  metadata: row.metadata,
  source: { run_id: row.sourceRunId, message_id: row.sourceMessageId },
  reinforcement: row.reinforcement,
  access_count: row.accessCount,
  last_accessed_at: iso(row.lastAccessedAt),
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
