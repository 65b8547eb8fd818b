import { uuidv7 } from '../../platform/db/ids.ts';
import type { Principal } from '../tenancy/index.ts';
import type { AgentConfig } from './agent-config.ts';
import type { agentHistory, agentVersions } from './agent-tables.ts';
import { configChecksum, historyValue } from './agent-versioning.ts';

/** Where a change comes from and what it expects; recorded with every history row. */
export interface ChangeContext {
  principal: Principal;
  ipAddress: string | null;
  changeReason?: string | undefined;
  expectedVersion?: number | undefined;
}

interface AgentKey {
  id: string;
  organizationId: string;
}

/** The immutable snapshot row of one configuration version. */
export const versionRecord = (
  agent: AgentKey,
  context: ChangeContext,
  at: Date,
  entry: { version: number; config: AgentConfig; changeType: string },
): typeof agentVersions.$inferSelect => ({
  id: uuidv7(),
  organizationId: agent.organizationId,
  agentId: agent.id,
  version: entry.version,
  snapshot: entry.config,
  checksum: configChecksum(entry.config),
  changeType: entry.changeType,
  changeReason: context.changeReason ?? null,
  createdByUserId: context.principal.userId,
  createdByApiKeyId: context.principal.apiKeyId,
  createdAt: at,
});

/** One field-level history row (seed 000): what changed, from what, to what, by whom, why, where. */
export const historyRecord = (
  agent: AgentKey,
  context: ChangeContext,
  at: Date,
  entry: { changeType: string; field: string | null; oldValue: unknown; newValue: unknown; version: number },
): typeof agentHistory.$inferInsert => ({
  id: uuidv7(),
  organizationId: agent.organizationId,
  agentId: agent.id,
  changeType: entry.changeType,
  fieldChanged: entry.field,
  oldValue: historyValue(entry.oldValue),
  newValue: historyValue(entry.newValue),
  changedByUserId: context.principal.userId,
  changedByApiKeyId: context.principal.apiKeyId,
  changeReason: context.changeReason ?? null,
  ipAddress: context.ipAddress,
  version: entry.version,
  changeTimestamp: at,
});
