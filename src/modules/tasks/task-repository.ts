import { and, asc, count, desc, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { inProject, inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { lockUntilCommit } from '../../platform/db/transaction-lock.ts';
import { ofAgentsInScope } from '../agents/index.ts';
import {
  agentTaskAttempts,
  agentTasks,
  type TaskError,
  type TaskResult,
  type TaskSource,
  type TaskStatus,
} from './task-tables.ts';

export type TaskRow = typeof agentTasks.$inferSelect;
export type AttemptRow = typeof agentTaskAttempts.$inferSelect;

/** The tasks of the organization-wide views (the list, the statistics): a project-scoped caller's are its agents'. */
const inTaskScope = (scope: TenantScope) =>
  and(inScope(agentTasks.organizationId, scope), ofAgentsInScope(agentTasks.agentId, scope));

export async function insertTask(
  tx: Executor,
  row: typeof agentTasks.$inferInsert,
): Promise<TaskRow | undefined> {
  const [inserted] = await tx.insert(agentTasks).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findTaskByIdempotencyKey(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  key: string,
) {
  const [row] = await db
    .select()
    .from(agentTasks)
    .where(
      and(
        inScope(agentTasks.organizationId, scope),
        eq(agentTasks.agentId, agentId),
        eq(agentTasks.idempotencyKey, key),
      ),
    );
  return row;
}

export async function findTask(db: Executor, scope: TenantScope, taskId: string) {
  const [row] = await db
    .select()
    .from(agentTasks)
    .where(and(inScope(agentTasks.organizationId, scope), eq(agentTasks.id, taskId)));
  return row;
}

/** The task locked for the rest of the transaction (state changes are serialized). */
export async function lockTask(tx: Executor, scope: TenantScope, agentId: string, taskId: string) {
  const [row] = await tx
    .select()
    .from(agentTasks)
    .where(
      and(
        inScope(agentTasks.organizationId, scope),
        eq(agentTasks.agentId, agentId),
        eq(agentTasks.id, taskId),
      ),
    )
    .for('update');
  return row;
}

export async function updateTask(tx: Executor, scope: TenantScope, taskId: string, change: Partial<TaskRow>) {
  const [row] = await tx
    .update(agentTasks)
    .set({ ...change, updatedAt: new Date() })
    .where(and(inScope(agentTasks.organizationId, scope), eq(agentTasks.id, taskId)))
    .returning();
  return row as TaskRow;
}

export interface TaskFilters {
  agentId?: string | undefined;
  /** The tasks of this project's agents (where the agent is now). */
  projectId?: string | undefined;
  status?: TaskStatus | undefined;
  taskType?: string | undefined;
  source?: TaskSource | undefined;
  priorityMin?: number | undefined;
  priorityMax?: number | undefined;
  sort: 'created_at' | 'priority';
  order: 'asc' | 'desc';
}

export async function listTasks(db: Executor, scope: TenantScope, filters: TaskFilters, page: Page) {
  const conditions: (SQL | undefined)[] = [inTaskScope(scope)];
  if (filters.agentId) conditions.push(eq(agentTasks.agentId, filters.agentId));
  // A project-scoped caller's rule, for the named project.
  if (filters.projectId) {
    conditions.push(ofAgentsInScope(agentTasks.agentId, inProject(scope, filters.projectId)));
  }
  if (filters.status) conditions.push(eq(agentTasks.status, filters.status));
  if (filters.taskType) conditions.push(eq(agentTasks.taskType, filters.taskType));
  if (filters.source) conditions.push(eq(agentTasks.source, filters.source));
  if (filters.priorityMin !== undefined) conditions.push(gte(agentTasks.priority, filters.priorityMin));
  if (filters.priorityMax !== undefined) conditions.push(lte(agentTasks.priority, filters.priorityMax));
  const where = and(...conditions);
  const direction = filters.order === 'asc' ? asc : desc;
  const orderBy =
    filters.sort === 'priority'
      ? [direction(agentTasks.priority), desc(agentTasks.createdAt), desc(agentTasks.id)]
      : [direction(agentTasks.createdAt), direction(agentTasks.id)];
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(agentTasks)
      .where(where)
      .orderBy(...orderBy)
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(agentTasks).where(where),
  ]);
  return { rows, total: total?.value ?? 0 };
}

export async function listAttempts(db: Executor, scope: TenantScope, taskId: string): Promise<AttemptRow[]> {
  return db
    .select()
    .from(agentTaskAttempts)
    .where(and(inScope(agentTaskAttempts.organizationId, scope), eq(agentTaskAttempts.taskId, taskId)))
    .orderBy(asc(agentTaskAttempts.attempt));
}

/**
 * Claims the task for attempt `attempt` (1-based): a task waiting for it (queued, scheduled, or
 * failed and waiting for its retry) with `attempt - 1` attempts so far; or, on a redelivery (the
 * worker of the same attempt died), the task still running that attempt.
 */
export async function claimAttempt(
  tx: Executor,
  scope: TenantScope,
  taskId: string,
  attempt: number,
  redelivery: boolean,
): Promise<TaskRow | undefined> {
  const waiting = and(
    inArray(agentTasks.status, ['queued', 'scheduled', 'failed']),
    eq(agentTasks.attemptCount, attempt - 1),
  );
  const stillRunning = and(eq(agentTasks.status, 'running'), eq(agentTasks.attemptCount, attempt));
  const now = new Date();
  const [row] = await tx
    .update(agentTasks)
    .set({ status: 'running', attemptCount: attempt, startedAt: now, updatedAt: now, error: null })
    .where(
      and(
        inScope(agentTasks.organizationId, scope),
        eq(agentTasks.id, taskId),
        isNull(agentTasks.cancelRequestedAt),
        redelivery ? or(waiting, stillRunning) : waiting,
      ),
    )
    .returning();
  if (!row) return undefined;
  await tx
    .insert(agentTaskAttempts)
    .values({
      id: uuidv7(),
      organizationId: scope.organizationId,
      taskId,
      attempt,
      status: 'running',
      startedAt: now,
    })
    .onConflictDoUpdate({
      target: [agentTaskAttempts.taskId, agentTaskAttempts.attempt],
      set: { status: 'running', startedAt: now, endedAt: null, error: null },
    });
  return row;
}

/**
 * Whether the agent already runs `max` tasks other than `taskId`, serialized per agent for the
 * rest of the transaction (a transaction-scoped advisory lock): two workers cannot both take the
 * last slot.
 */
export async function agentAtCapacity(
  tx: Executor,
  scope: TenantScope,
  agentId: string,
  taskId: string,
  max: number,
): Promise<boolean> {
  await lockUntilCommit(tx, `agent-tasks:${agentId}`);
  const [row] = await tx
    .select({ running: count() })
    .from(agentTasks)
    .where(
      and(
        inScope(agentTasks.organizationId, scope),
        eq(agentTasks.agentId, agentId),
        eq(agentTasks.status, 'running'),
        sql`${agentTasks.id} <> ${taskId}`,
      ),
    );
  return (row?.running ?? 0) >= max;
}

/** Ends attempt `attempt` of a running task; false when the task no longer runs that attempt. */
export async function endAttempt(
  tx: Executor,
  scope: TenantScope,
  taskId: string,
  attempt: number,
  outcome: {
    taskStatus: TaskStatus;
    attemptStatus: 'completed' | 'failed' | 'cancelled';
    result?: TaskResult | null;
    error?: TaskError | null;
    runId: string | null;
    finished: boolean;
  },
): Promise<TaskRow | undefined> {
  const now = new Date();
  const [row] = await tx
    .update(agentTasks)
    .set({
      status: outcome.taskStatus,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      runId: outcome.runId,
      updatedAt: now,
      ...(outcome.finished ? { completedAt: now } : {}),
    })
    .where(
      and(
        inScope(agentTasks.organizationId, scope),
        eq(agentTasks.id, taskId),
        eq(agentTasks.status, 'running'),
        eq(agentTasks.attemptCount, attempt),
      ),
    )
    .returning();
  if (!row) return undefined;
  await tx
    .update(agentTaskAttempts)
    .set({ status: outcome.attemptStatus, runId: outcome.runId, error: outcome.error ?? null, endedAt: now })
    .where(
      and(
        inScope(agentTaskAttempts.organizationId, scope),
        eq(agentTaskAttempts.taskId, taskId),
        eq(agentTaskAttempts.attempt, attempt),
      ),
    );
  return row;
}

/** Counts of the organization's tasks by agent, status and priority. */
export async function countTasks(db: Executor, scope: TenantScope) {
  return db
    .select({
      agentId: agentTasks.agentId,
      status: agentTasks.status,
      priority: agentTasks.priority,
      tasks: count(),
    })
    .from(agentTasks)
    .where(inTaskScope(scope))
    .groupBy(agentTasks.agentId, agentTasks.status, agentTasks.priority);
}

/** When the oldest task still waiting in the queue was queued. */
export async function oldestQueuedAt(db: Executor, scope: TenantScope): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<string | null>`min(${agentTasks.queuedAt})` })
    .from(agentTasks)
    .where(and(inTaskScope(scope), eq(agentTasks.status, 'queued')));
  return row?.at ? new Date(row.at) : null;
}

/** How attempts ended since `since`, and how many tasks died. */
export async function recentOutcomes(db: Executor, scope: TenantScope, since: Date) {
  const [attempts] = await db
    .select({
      completed: sql<number>`count(*) filter (where ${agentTaskAttempts.status} = 'completed')`.mapWith(
        Number,
      ),
      failed: sql<number>`count(*) filter (where ${agentTaskAttempts.status} = 'failed')`.mapWith(Number),
    })
    .from(agentTaskAttempts)
    .where(
      and(
        inScope(agentTaskAttempts.organizationId, scope),
        gte(agentTaskAttempts.endedAt, since),
        scope.projectId
          ? sql`${agentTaskAttempts.taskId} in (select ${agentTasks.id} from ${agentTasks} where ${inTaskScope(scope)})`
          : undefined,
      ),
    );
  const [dead] = await db
    .select({ value: count() })
    .from(agentTasks)
    .where(and(inTaskScope(scope), eq(agentTasks.status, 'dead'), gte(agentTasks.completedAt, since)));
  return { completed: attempts?.completed ?? 0, failed: attempts?.failed ?? 0, dead: dead?.value ?? 0 };
}
