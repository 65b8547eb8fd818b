import type pg from 'pg';
import { taskKeyIn } from './task-markers.ts';

/** One task as the database holds it after the run: its row, its attempts, its run, its queue jobs. */
export interface TaskLedgerRow {
  id: string;
  /** The key named by the marker in its message (for a task of the API, its idempotency key). */
  key: string;
  source: string;
  agentId: string;
  status: string;
  attemptCount: number;
  errorCode: string | null;
  answer: string | null;
  attempts: { completed: number; failed: number; other: number };
  /** Whether the completed attempt is the task's last one. */
  completedAttemptIsLast: boolean;
  run: { status: string | null; output: string | null; message: string | null };
  /**
   * Jobs sent to the `agent-tasks` queue for the task: one per attempt, and one more each time a
   * worker put the task back because its agent was at capacity.
   */
  jobs: number;
  /** Times a worker took one of those jobs: pg-boss counts each fetch after the first in retry_count. */
  deliveries: number;
  /**
   * Deliveries that claimed the task and started running it (its `task_started` actions, written
   * with the claim): a model call comes after one of these, never without one.
   */
  starts: number;
  /** Starts of an attempt whose earlier delivery was lost (a killed worker, a lost connection). */
  redeliveredStarts: number;
  /** Replies sent through its channel (`message_sent` actions that succeeded). */
  repliesSent: number;
  startedAt: Date | null;
}

/** The organization's tasks as the database holds them, read on a connection of the test's own. */
export async function readTaskLedger(db: pg.Client, organizationId: string): Promise<TaskLedgerRow[]> {
  const { rows } = await db.query(
    `select t.id, t.idempotency_key, t.source, t.task_data->>'message' as message, t.agent_id, t.status, t.attempt_count,
            t.error->>'code' as error_code, t.result->>'answer' as answer,
            t.started_at,
            coalesce(a.completed, 0)::int as completed_attempts,
            coalesce(a.failed, 0)::int as failed_attempts,
            coalesce(a.other, 0)::int as other_attempts,
            coalesce(a.last_completed = t.attempt_count, false) as completed_attempt_is_last,
            r.status as run_status, r.output as run_output, r.input->>'message' as run_message,
            coalesce(j.jobs, 0)::int as jobs, coalesce(j.deliveries, 0)::int as deliveries,
            coalesce(s.starts, 0)::int as starts, coalesce(s.redelivered, 0)::int as redelivered_starts,
            coalesce(s.replies_sent, 0)::int as replies_sent
       from agent_tasks t
       left join (
         select task_id,
                count(*) filter (where status = 'completed') as completed,
                count(*) filter (where status = 'failed') as failed,
                count(*) filter (where status not in ('completed', 'failed')) as other,
                max(attempt) filter (where status = 'completed') as last_completed
           from agent_task_attempts where organization_id = $1 group by task_id
       ) a on a.task_id = t.id
       left join runs r on r.id = t.run_id
       left join (
         select data->>'taskId' as task_id, count(*) as jobs,
                sum(retry_count + 1) filter (where started_on is not null) as deliveries
           from pgboss.job where name = 'agent-tasks' and data->>'organizationId' = $1::text
          group by 1
       ) j on j.task_id = t.id::text
       left join (
         select task_id,
                count(*) filter (where action_type = 'task_started') as starts,
                count(*) filter (where action_type = 'task_started' and action_data->>'redelivery' = 'true')
                  as redelivered,
                count(*) filter (where action_type = 'message_sent' and success) as replies_sent
           from agent_actions
          where organization_id = $1 and action_type in ('task_started', 'message_sent')
          group by task_id
       ) s on s.task_id = t.id
      where t.organization_id = $1`,
    [organizationId],
  );
  return rows.map((row) => ({
    id: row.id,
    key: taskKeyIn(row.message) ?? row.idempotency_key,
    source: row.source,
    agentId: row.agent_id,
    status: row.status,
    attemptCount: row.attempt_count,
    errorCode: row.error_code,
    answer: row.answer,
    attempts: { completed: row.completed_attempts, failed: row.failed_attempts, other: row.other_attempts },
    completedAttemptIsLast: row.completed_attempt_is_last,
    run: { status: row.run_status, output: row.run_output, message: row.run_message },
    jobs: row.jobs,
    deliveries: row.deliveries,
    starts: row.starts,
    redeliveredStarts: row.redelivered_starts,
    repliesSent: row.replies_sent,
    startedAt: row.started_at,
  }));
}

/** Tasks of the organization by status, straight from the database (the test's progress gauge). */
export async function countTasksByStatus(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ status: string; tasks: number }>(
    'select status, count(*)::int as tasks from agent_tasks where organization_id = $1 group by status',
    [organizationId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.tasks])) as Record<string, number>;
}

/** Runs of the organization still `running`: a killed worker's are ended `abandoned` by recovery. */
export async function countRunningRuns(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ runs: number }>(
    "select count(*)::int as runs from runs where organization_id = $1 and status = 'running'",
    [organizationId],
  );
  return rows[0]?.runs ?? 0;
}

/** Runs by status, for the closing counts (abandoned runs are the kills' traces). */
export async function countRunsByStatus(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ status: string; runs: number }>(
    "select status, count(*)::int as runs from runs where organization_id = $1 and trigger = 'task' group by status",
    [organizationId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.runs])) as Record<string, number>;
}

/**
 * The organization's task and channel-reply jobs not settled (waiting, retrying or running), and
 * those dead-lettered.
 */
export async function countUnsettledJobs(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ waiting: number; dead_lettered: number }>(
    `select count(*) filter (where state in ('created', 'retry', 'active') and name not like '%-dead-letter')::int
              as waiting,
            count(*) filter (where name like '%-dead-letter')::int as dead_lettered
       from pgboss.job
      where name in ('agent-tasks', 'agent-tasks-dead-letter', 'channel-replies', 'channel-replies-dead-letter')
        and data->>'organizationId' = $1::text`,
    [organizationId],
  );
  return { waiting: rows[0]?.waiting ?? 0, deadLettered: rows[0]?.dead_lettered ?? 0 };
}

/**
 * Task runs by task key (from the marker in the run's message) and status. A task may have more
 * than one completed run: delivery is at least once, and a worker that died (or lost the database)
 * after its run ended but before the task did leaves the attempt to a redelivery, which runs again.
 */
export async function countRunsByTask(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ message: string | null; status: string }>(
    "select input->>'message' as message, status from runs where organization_id = $1 and trigger = 'task'",
    [organizationId],
  );
  const byTask = new Map<string, Record<string, number>>();
  for (const { message, status } of rows) {
    const key = taskKeyIn(message);
    if (!key) continue;
    const counts = byTask.get(key) ?? {};
    counts[status] = (counts[status] ?? 0) + 1;
    byTask.set(key, counts);
  }
  return byTask;
}

/** Replies sent whose first answer was lost, found in the destination by a later try instead of sent again. */
export async function countReconciledReplies(db: pg.Client, organizationId: string) {
  const { rows } = await db.query<{ replies: number }>(
    `select count(*)::int as replies from agent_actions
      where organization_id = $1 and action_type = 'message_sent' and success
        and result_data->>'found_already_sent' = 'true'`,
    [organizationId],
  );
  return rows[0]?.replies ?? 0;
}
