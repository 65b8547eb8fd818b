import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { AgentRuntime } from './agent-config.ts';
import { agents } from './agent-tables.ts';

/** Published when a kind's hook refused a change of the agent (docs/events.md). */
export const AGENT_LIFECYCLE_FAILED = 'agent-lifecycle-failed';

/**
 * Leaves a live agent in runtime state `error` with `last_error`, after its change was rolled
 * back, and announces it. Merged over the runtime: the keys turns and the monitor keep stay.
 */
export async function recordLifecycleError(
  db: Database,
  events: Pick<EventPublisher, 'publish'> | undefined,
  scope: TenantScope,
  agentId: string,
  failure: { lastError: string; data: Record<string, unknown> },
) {
  const set: Partial<AgentRuntime> = { state: 'error', last_error: failure.lastError };
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(agents)
      .set({ runtime: sql`${agents.runtime} || ${JSON.stringify(set)}::jsonb` })
      .where(and(inScope(agents.organizationId, scope), eq(agents.id, agentId), isNull(agents.deletedAt)))
      .returning({ organizationId: agents.organizationId });
    if (!row) return;
    await events?.publish(
      {
        type: AGENT_LIFECYCLE_FAILED,
        organization_id: row.organizationId,
        data: { agent_id: agentId, ...failure.data },
      },
      { tx },
    );
  });
}
