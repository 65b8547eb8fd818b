import { and, asc, eq, gt, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import type { AgentRuntime } from './agent-config.ts';
import type { AgentView } from './agent-schemas.ts';
import { agents } from './agent-tables.ts';
import { toAgentView } from './agent-views.ts';

/** The agent an operator-side job acts on: any organization's, named with its organization. */
export interface MonitoredAgent {
  organizationId: string;
  id: string;
}

/**
 * Maintenance acting for the operator, across organizations: the agents the health monitor looks
 * at, in id order after `afterId` (a cursor, so that successive runs go round them all). Active
 * agents in health error or whose turns ended within the last `activeWithinHours`, and any agent
 * with an alert raised (until it clears); every other agent has no metric that could have moved.
 */
export async function findAgentsToMonitor(
  db: Database,
  { afterId, limit, activeWithinHours }: { afterId: string | null; limit: number; activeWithinHours: number },
): Promise<AgentView[]> {
  const conditions: (SQL | undefined)[] = [
    isNull(agents.deletedAt),
    afterId ? gt(agents.id, afterId) : undefined,
    sql`(jsonb_array_length(coalesce(${agents.runtime} -> 'alerts', '[]'::jsonb)) > 0
      or ${agents.status} = 'active' and (${agents.runtime} ->> 'health' = 'error'
        or (${agents.runtime} ->> 'last_heartbeat')::timestamptz >= now() - make_interval(hours => ${activeWithinHours})))`,
  ];
  const rows = await db
    .select()
    .from(agents)
    .where(and(...conditions))
    .orderBy(asc(agents.id))
    .limit(limit);
  return rows.map((row) => toAgentView(row));
}

export interface MonitoredRuntimeChange {
  /** Keys merged over the runtime; the others (a turn's) stay as they are. */
  set: Partial<AgentRuntime>;
  /**
   * The change applies only while the runtime still holds what the monitor read: its alerts, and
   * health error when it recovers the agent. A turn or another monitor that moved it first wins.
   */
  expected: { alerts: string[]; healthError: boolean };
  /** Publications (the event bus's `notification`) sent if and only if the change is made. */
  announcements: SQL[];
}

/**
 * Maintenance acting for the operator: applies the health monitor's change to one agent's
 * runtime, with its events, in one statement. Returns whether the agent still was as expected.
 */
export async function changeMonitoredRuntime(
  db: Database,
  agent: MonitoredAgent,
  change: MonitoredRuntimeChange,
): Promise<boolean> {
  const returning: Record<string, SQL | typeof agents.id> = { id: agents.id };
  change.announcements.forEach((announcement, index) => {
    returning[`announcement_${index}`] = announcement;
  });
  const changed = await db
    .update(agents)
    .set({ runtime: sql`${agents.runtime} || ${JSON.stringify(change.set)}::jsonb` })
    .where(
      and(
        eq(agents.organizationId, agent.organizationId),
        eq(agents.id, agent.id),
        isNull(agents.deletedAt),
        sql`coalesce(${agents.runtime} -> 'alerts', '[]'::jsonb) = ${JSON.stringify(change.expected.alerts)}::jsonb`,
        change.expected.healthError ? sql`${agents.runtime} ->> 'health' = 'error'` : undefined,
      ),
    )
    .returning(returning);
  return changed.length > 0;
}
