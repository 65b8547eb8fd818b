import { and, asc, desc, eq, lte } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agents } from '../agents/agent-tables.ts';
import { taskSchedules } from './task-schedule-tables.ts';

export type TaskScheduleRow = typeof taskSchedules.$inferSelect;

const ofAgent = (scope: TenantScope, agentId: string, scheduleId: string) =>
  and(
    inScope(taskSchedules.organizationId, scope),
    eq(taskSchedules.agentId, agentId),
    eq(taskSchedules.id, scheduleId),
  );

/** Undefined when the agent already has a schedule of that name. */
export async function insertSchedule(
  db: Executor,
  row: typeof taskSchedules.$inferInsert,
): Promise<TaskScheduleRow | undefined> {
  const [inserted] = await db.insert(taskSchedules).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findSchedule(db: Executor, scope: TenantScope, agentId: string, scheduleId: string) {
  const [row] = await db
    .select()
    .from(taskSchedules)
    .where(ofAgent(scope, agentId, scheduleId));
  return row;
}

/** The schedule locked for the rest of the transaction: a tick skips it meanwhile. */
export async function lockSchedule(tx: Executor, scope: TenantScope, agentId: string, scheduleId: string) {
  const [row] = await tx
    .select()
    .from(taskSchedules)
    .where(ofAgent(scope, agentId, scheduleId))
    .for('update');
  return row;
}

export async function updateSchedule(
  tx: Executor,
  scope: TenantScope,
  scheduleId: string,
  change: Partial<TaskScheduleRow>,
): Promise<TaskScheduleRow> {
  const [row] = await tx
    .update(taskSchedules)
    .set({ ...change, updatedAt: new Date() })
    .where(and(inScope(taskSchedules.organizationId, scope), eq(taskSchedules.id, scheduleId)))
    .returning();
  return row as TaskScheduleRow;
}

/** False when there was no such schedule. */
export async function deleteSchedule(db: Executor, scope: TenantScope, agentId: string, scheduleId: string) {
  const deleted = await db
    .delete(taskSchedules)
    .where(ofAgent(scope, agentId, scheduleId))
    .returning({ id: taskSchedules.id });
  return deleted.length > 0;
}

/** Newest first. */
export function listSchedules(db: Executor, scope: TenantScope, agentId: string, page: Page) {
  return listPage(
    db,
    taskSchedules,
    and(inScope(taskSchedules.organizationId, scope), eq(taskSchedules.agentId, agentId)),
    [desc(taskSchedules.createdAt), desc(taskSchedules.id)],
    page,
  );
}

/**
 * Unscoped, for the tick alone: up to `limit` enabled schedules due at `now`, of every
 * organization, earliest first, locked until the transaction ends (`skip locked`: a concurrent
 * tick, or a change in progress, takes the others), with whether their agent was deleted. Each
 * row carries its organization, the scope of everything done with it afterwards.
 */
export function claimDueSchedules(tx: Executor, now: Date, limit: number) {
  return tx
    .select({ schedule: taskSchedules, agentDeletedAt: agents.deletedAt })
    .from(taskSchedules)
    .innerJoin(agents, eq(agents.id, taskSchedules.agentId))
    .where(and(eq(taskSchedules.enabled, true), lte(taskSchedules.nextRunAt, now)))
    .orderBy(asc(taskSchedules.nextRunAt))
    .limit(limit)
    .for('update', { of: taskSchedules, skipLocked: true });
}
