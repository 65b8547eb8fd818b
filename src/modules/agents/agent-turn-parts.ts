import { sql } from 'drizzle-orm';
import { cteName, type StatementPart } from '../../platform/db/statement-part.ts';
import { agents } from './agent-tables.ts';

/** Three failed turns in a row turn an agent's health from warning to error. */
const FAILURES_FOR_ERROR = 3;

/**
 * The agents' counters and runtime state after a batch of turns, as one part of the statement
 * recording their ends: one update per agent per batch, never one per turn, so that turns of one
 * agent do not queue on its row. `ended` names a CTE of the runs ended, (agent_id,
 * organization_id, status, error, completed_at). A completed turn adds an interaction and ends a
 * failure streak; a failed one sets the error state, its message and a longer streak (health turns
 * from warning to error at three in a row); a cancelled one only settles the state. Whether the
 * agent is busy is not stored: it is derived from its running runs.
 */
export function turnOutcomesPart<TItem>(names: { ended: string }): StatementPart<TItem> {
  const ended = cteName(names.ended);
  const streak = sql`case when o.completed > 0 then o.trailing_failures
    else coalesce((agent.runtime ->> 'consecutive_failures')::int, 0) + o.trailing_failures end`;
  return {
    ctes: [
      sql`agent_outcomes as (
        select agent_id, organization_id,
          count(*) filter (where status = 'completed')::int as completed,
          count(*) filter (where status = 'failed')::int as failed,
          count(*) filter (where status = 'failed' and (last_completed_at is null or completed_at > last_completed_at))::int as trailing_failures,
          max(last_completed_at) as last_completed_at,
          max(completed_at) as last_ended_at,
          (array_agg(status order by completed_at desc))[1] as last_status,
          (array_agg(error ->> 'message' order by completed_at desc) filter (where status = 'failed'))[1] as last_error
        from (
          select *, max(completed_at) filter (where status = 'completed') over (partition by agent_id) as last_completed_at
          from ${ended}
        ) as outcome
        group by agent_id, organization_id
        order by agent_id)`,
      sql`counted_agents as (
        update ${agents} as agent set
          interaction_count = agent.interaction_count + o.completed,
          last_interaction_at = greatest(agent.last_interaction_at, o.last_completed_at),
          runtime = agent.runtime - 'running_turns' || jsonb_build_object(
            'state', case when o.last_status = 'failed' then 'error' else 'idle' end,
            'last_heartbeat', to_char(o.last_ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'consecutive_failures', ${streak},
            'health', case when o.completed + o.failed = 0 then coalesce(agent.runtime ->> 'health', 'healthy')
              when ${streak} >= ${sql.raw(String(FAILURES_FOR_ERROR))} then 'error'
              when ${streak} > 0 then 'warning' else 'healthy' end,
            'last_error', coalesce(o.last_error, agent.runtime ->> 'last_error'))
        from agent_outcomes as o
        where agent.id = o.agent_id and agent.organization_id = o.organization_id
        returning agent.id)`,
    ],
    values: () => ({}),
  };
}
