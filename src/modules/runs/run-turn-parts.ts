import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { cteName, jsonRows, type StatementPart } from '../../platform/db/statement-part.ts';
import type { RecordedAction } from './run-actions.ts';
import { agentActions, type RunError, type RunTrigger, type RunUsage, runs } from './run-tables.ts';

/** A run as a turn records it: the whole row, since its end may be the first record written. */
export interface RunRecord {
  id: string;
  organizationId: string;
  agentId: string;
  agentVersion: number;
  sessionId: string | null;
  trigger: RunTrigger;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  input: Record<string, unknown>;
  output: string | null;
  error: RunError | null;
  usage: RunUsage;
  costEstimate: number | null;
  model: string;
  provider: { id: string; name: string; type: string };
  fallbackUsed: boolean;
  warnings: string[];
  startedAt: Date;
  completedAt: Date | null;
  createdByUserId: string | null;
  createdByApiKeyId: string | null;
  /** The process lease of the process running the turn (its recovery follows the lease). */
  processId: string | null;
  actions: readonly RecordedAction[];
  /** The run is stored only if its session was written by the same statement (it stores messages there). */
  needsLiveSession: boolean;
  /** Encoded `run-started` and end events, announced with the run's first and last records. */
  startedEvent: string | null;
  endedEvent: string | null;
}

const runColumns = sql`id uuid, organization_id uuid, agent_id uuid, agent_version int, session_id uuid, trigger text, status text, input jsonb, output text, error jsonb, usage jsonb, cost_estimate numeric, model text, provider_id text, provider_name text, provider_type text, fallback_used boolean, warnings jsonb, started_at timestamptz, completed_at timestamptz, duration_ms int, created_by_user_id uuid, created_by_api_key_id uuid, process_id uuid, needs_live_session boolean, started_event text, ended_event text`;
const insertedColumns = sql`id, organization_id, agent_id, agent_version, session_id, trigger, status, input, output, error, usage, cost_estimate, model, provider_id, provider_name, provider_type, fallback_used, warnings, started_at, completed_at, duration_ms, created_by_user_id, created_by_api_key_id, process_id`;
const actionColumns = sql`id uuid, organization_id uuid, agent_id uuid, run_id uuid, sequence int, action_type text, action_data jsonb, result_data jsonb, success boolean, execution_time_ms int, created_at timestamptz`;

const runRow = (run: RunRecord) => ({
  id: run.id,
  organization_id: run.organizationId,
  agent_id: run.agentId,
  agent_version: run.agentVersion,
  session_id: run.sessionId,
  trigger: run.trigger,
  status: run.status,
  input: run.input,
  output: run.output,
  error: run.error,
  usage: run.usage,
  cost_estimate: run.costEstimate,
  model: run.model,
  provider_id: run.provider.id,
  provider_name: run.provider.name,
  provider_type: run.provider.type,
  fallback_used: run.fallbackUsed,
  warnings: run.warnings,
  started_at: run.startedAt.toISOString(),
  completed_at: run.completedAt?.toISOString() ?? null,
  duration_ms: run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : null,
  created_by_user_id: run.createdByUserId,
  created_by_api_key_id: run.createdByApiKeyId,
  process_id: run.processId,
  needs_live_session: run.needsLiveSession,
  started_event: run.startedEvent,
  ended_event: run.endedEvent,
});

/** Action ids are time-ordered like the run's; sorted, they keep the order the steps happened in. */
const actionRows = (run: RunRecord, ids: () => string) => {
  const sortedIds = run.actions.map(ids).sort();
  return run.actions.map((action, index) => ({
    id: sortedIds[index],
    organization_id: run.organizationId,
    agent_id: run.agentId,
    run_id: run.id,
    sequence: index + 1,
    action_type: action.actionType,
    action_data: action.actionData,
    result_data: action.resultData,
    success: action.success,
    execution_time_ms: Math.round(action.executionTimeMs),
    created_at: action.at.toISOString(),
  }));
};

/** `pg_notify` of an encoded event as an SQL expression (the event bus's `notification`). */
export type Notification = (payload: SQLWrapper) => SQL;

/**
 * The runs of turns that end, as one part of the statement recording their ends: each run is
 * inserted whole, or, when its start was recorded, ended (a run the recovery marked abandoned is
 * ended all the same: the turn did finish). A run that needs its session is stored only if
 * `liveSessions` (a CTE of session ids) holds it. Its actions are stored with it, and its events
 * announced as it is written: `run-started` only when this statement inserted the run. `ended`
 * names the CTE of the runs ended: (id, organization_id, agent_id, status, error, completed_at,
 * usage, cost_estimate).
 */
export function turnEndRunsPart(
  names: { liveSessions: string; ended: string },
  notification: Notification,
  newId: () => string,
): StatementPart<RunRecord> {
  const ended = cteName(names.ended);
  const eventOf = (column: SQL) => sql`(select ${column} from turn_runs where turn_runs.id = existing.id)`;
  return {
    ctes: [
      sql`turn_runs as (select * from jsonb_to_recordset(${sql.placeholder('turnRuns')}::jsonb) as r(${runColumns}))`,
      // The events go out in the RETURNING list: a data-modifying CTE always runs to completion.
      sql`${ended} as (
        insert into ${runs} as existing (${insertedColumns})
        select ${insertedColumns} from turn_runs
        where not needs_live_session or session_id in (select id from ${cteName(names.liveSessions)})
        order by id
        on conflict (id) do update set
          status = excluded.status, output = excluded.output, error = excluded.error, usage = excluded.usage,
          cost_estimate = excluded.cost_estimate, model = excluded.model, provider_id = excluded.provider_id,
          provider_name = excluded.provider_name, provider_type = excluded.provider_type,
          fallback_used = excluded.fallback_used, warnings = excluded.warnings,
          completed_at = excluded.completed_at, duration_ms = excluded.duration_ms
        where existing.status in ('running', 'abandoned')
        returning existing.id, existing.organization_id, existing.agent_id, existing.status, existing.error, existing.completed_at,
          existing.usage, existing.cost_estimate,
          (select count(${notification(sql`event.payload`)}) from (values
            (1, case when existing.xmax = 0 then ${eventOf(sql`started_event`)} end),
            (2, ${eventOf(sql`ended_event`)})) as event(position, payload)
           where event.payload is not null) as announced)`,
      sql`turn_actions as (
        insert into ${agentActions} (id, organization_id, agent_id, run_id, sequence, action_type, action_data, result_data, success, execution_time_ms, created_at)
        select a.* from jsonb_to_recordset(${sql.placeholder('turnActions')}::jsonb) as a(${actionColumns})
        where a.run_id in (select id from ${ended}))`,
    ],
    values: (records) => ({
      turnRuns: jsonRows(records.map(runRow)),
      turnActions: jsonRows(records.flatMap((run) => actionRows(run, newId))),
    }),
  };
}

/**
 * The runs of turns that started, as one part of the statement recording them (written a moment
 * after they started, and only for turns still running then): inserted as `running` unless their
 * end was written first, and announced with `run-started` as they are inserted.
 */
export function turnStartRunsPart(notification: Notification): StatementPart<RunRecord> {
  return {
    ctes: [
      sql`starting_runs as (select * from jsonb_to_recordset(${sql.placeholder('startingRuns')}::jsonb) as r(${runColumns}))`,
      sql`started_runs as (
        insert into ${runs} as started (${insertedColumns})
        select ${insertedColumns} from starting_runs
        order by id
        on conflict (id) do nothing
        returning started.id,
          (select count(${notification(sql`started_event`)}) from starting_runs
           where starting_runs.id = started.id and started_event is not null) as announced)`,
    ],
    values: (records) => ({ startingRuns: jsonRows(records.map(runRow)) }),
  };
}
