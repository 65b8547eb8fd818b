import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { runs } from './run-tables.ts';

/** How the runs started in a window ended; `running` ones are not counted here. */
export interface RunOutcomes {
  completed: number;
  failed: number;
  cancelled: number;
  abandoned: number;
  /** Failed runs whose error code is one of the caller's `unavailableCodes`. */
  failedUnavailable: number;
}

/** What an agent's runs say about it over the last day and the last hour, and right now. */
export interface AgentRunStatistics {
  organizationId: string;
  agentId: string;
  /** Runs started in the last 24 hours (the database's clock). */
  day: RunOutcomes;
  /** Runs started in the last hour. */
  hour: RunOutcomes;
  /** Mean duration_ms of the day's completed runs; null without one. */
  averageCompletedDurationMs: number | null;
  /** The agent's runs running now, whenever they started. */
  running: number;
}

const endings = ['completed', 'failed', 'cancelled', 'abandoned'] as const;

/** `<prefix>_<status>` counts, and `<prefix>_failed_unavailable`, of the joined runs matching `within`. */
const outcomeColumns = (prefix: string, within: SQL, unavailableCodes: string[]) =>
  sql.join(
    [
      ...endings.map(
        (status) =>
          sql`count(run.id) filter (where run.status = ${status} and ${within})::int as ${sql.identifier(`${prefix}_${status}`)}`,
      ),
      sql`count(run.id) filter (where run.status = 'failed' and ${within}
        and run.error ->> 'code' = any(${sql.param(unavailableCodes)}::text[]))::int as ${sql.identifier(`${prefix}_failed_unavailable`)}`,
    ],
    sql`, `,
  );

/**
 * One statement for any number of agents: each agent's runs of the day through the index on
 * (organization, agent, started_at), its running runs through the partial index of running runs.
 */
async function statisticsOf(
  db: Executor,
  targets: { organizationId: string; agentId: string }[],
  unavailableCodes: string[],
): Promise<AgentRunStatistics[]> {
  if (targets.length === 0) return [];
  const result = await db.execute(sql`
    select target.organization_id, target.agent_id,
      ${outcomeColumns('day', sql`true`, unavailableCodes)},
      ${outcomeColumns('hour', sql`run.started_at >= now() - interval '1 hour'`, unavailableCodes)},
      avg(run.duration_ms) filter (where run.status = 'completed')::float8 as average_completed_duration_ms,
      (select count(*)::int from ${runs} as running_run
        where running_run.organization_id = target.organization_id and running_run.agent_id = target.agent_id
          and running_run.status = 'running') as running
    from unnest(${sql.param(targets.map((target) => target.organizationId))}::uuid[],
                ${sql.param(targets.map((target) => target.agentId))}::uuid[]) as target(organization_id, agent_id)
    left join ${runs} as run on run.organization_id = target.organization_id and run.agent_id = target.agent_id
      and run.started_at >= now() - interval '24 hours'
    group by target.organization_id, target.agent_id`);
  return rowsOf<Record<string, unknown>>(result).map((row) => {
    const outcomes = (prefix: string): RunOutcomes => ({
      completed: Number(row[`${prefix}_completed`]),
      failed: Number(row[`${prefix}_failed`]),
      cancelled: Number(row[`${prefix}_cancelled`]),
      abandoned: Number(row[`${prefix}_abandoned`]),
      failedUnavailable: Number(row[`${prefix}_failed_unavailable`]),
    });
    const average = row.average_completed_duration_ms;
    return {
      organizationId: String(row.organization_id),
      agentId: String(row.agent_id),
      day: outcomes('day'),
      hour: outcomes('hour'),
      averageCompletedDurationMs: average === null ? null : Number(average),
      running: Number(row.running),
    };
  });
}

/**
 * An agent's run statistics, in the scope's organization. `unavailableCodes`: the error codes of
 * failures the caller counts as the agent being unavailable (for availability).
 */
export async function agentRunStatistics(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  unavailableCodes: string[],
): Promise<AgentRunStatistics> {
  const [statistics] = await statisticsOf(
    db,
    [{ organizationId: scope.organizationId, agentId }],
    unavailableCodes,
  );
  return statistics as AgentRunStatistics;
}

/** Maintenance acting for the operator: the statistics of agents of any organizations, in one statement. */
export const runStatisticsForOperator = (
  db: Executor,
  targets: { organizationId: string; agentId: string }[],
  unavailableCodes: string[],
): Promise<AgentRunStatistics[]> => statisticsOf(db, targets, unavailableCodes);
