import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { iso } from '../../platform/http/common-schemas.ts';
import { ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import { DEFAULT_MAX_ATTEMPTS } from './task-intake.ts';
import { nextOccurrence } from './task-schedule-cron.ts';
import * as repository from './task-schedule-repository.ts';
import type {
  CreateTaskScheduleBody,
  TaskScheduleView,
  UpdateTaskScheduleBody,
} from './task-schedule-schemas.ts';

const toScheduleView = (row: repository.TaskScheduleRow): TaskScheduleView => ({
  id: row.id,
  organization_id: row.organizationId,
  agent_id: row.agentId,
  name: row.name,
  cron: row.cron,
  timezone: row.timezone,
  task_type: row.taskType,
  task_data: row.taskData,
  priority: row.priority,
  max_attempts: row.maxAttempts,
  enabled: row.enabled,
  next_run_at: iso(row.nextRunAt),
  last_run_at: iso(row.lastRunAt),
  last_task_id: row.lastTaskId,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/** The next occurrence after now, or null for a disabled schedule. */
const nextRunAt = (schedule: { cron: string; timezone: string; enabled: boolean }) =>
  schedule.enabled ? nextOccurrence(schedule.cron, schedule.timezone, new Date()) : null;

const nameTaken = (name: string) =>
  new ConflictError('task_schedule_name_taken', `The agent already has a schedule named "${name}"`, { name });

/**
 * Recurring tasks of an agent (issue 10): a task template and a cron expression. The tick
 * (task-schedule-job.ts) turns each occurrence into a task; this service keeps the templates and
 * their next occurrence. Writes need `agents:execute`, as creating a task does: a schedule only
 * creates, on a timer, the tasks its creator could create by hand, and they run as that creator's
 * background work.
 */
export function createTaskScheduleService({
  db,
  requireAgent,
}: {
  db: Database;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
}) {
  async function requireSchedule(principal: Principal, agentId: string, scheduleId: string) {
    await requireAgent(principal, agentId);
    const schedule = await repository.findSchedule(db, principal, agentId, scheduleId);
    if (!schedule) throw new NotFoundError('Task schedule');
    return schedule;
  }

  return {
    async create(principal: Principal, agentId: string, body: CreateTaskScheduleBody) {
      requirePermission(principal, 'agents:execute');
      await requireAgent(principal, agentId);
      const inserted = await repository.insertSchedule(db, {
        id: uuidv7(),
        organizationId: principal.organizationId,
        agentId,
        name: body.name,
        cron: body.cron,
        timezone: body.timezone,
        taskType: body.task_type,
        taskData: body.task_data,
        priority: body.priority,
        maxAttempts: body.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
        enabled: body.enabled,
        nextRunAt: nextRunAt(body),
        createdByUserId: principal.userId,
        createdByApiKeyId: principal.apiKeyId,
      });
      if (!inserted) throw nameTaken(body.name);
      return toScheduleView(inserted);
    },

    async list(principal: Principal, agentId: string, page: Page) {
      await requireAgent(principal, agentId);
      const { rows, total } = await repository.listSchedules(db, principal, agentId, page);
      return { items: rows.map(toScheduleView), total };
    },

    get: async (principal: Principal, agentId: string, scheduleId: string) =>
      toScheduleView(await requireSchedule(principal, agentId, scheduleId)),

    /** A new cron, zone or enabled state starts over from the next occurrence after now. */
    async update(principal: Principal, agentId: string, scheduleId: string, body: UpdateTaskScheduleBody) {
      requirePermission(principal, 'agents:execute');
      await requireAgent(principal, agentId);
      try {
        const updated = await db.transaction(async (tx) => {
          const current = await repository.lockSchedule(tx, principal, agentId, scheduleId);
          if (!current) throw new NotFoundError('Task schedule');
          const timing = {
            cron: body.cron ?? current.cron,
            timezone: body.timezone ?? current.timezone,
            enabled: body.enabled ?? current.enabled,
          };
          const retimed =
            timing.cron !== current.cron ||
            timing.timezone !== current.timezone ||
            timing.enabled !== current.enabled;
          return repository.updateSchedule(tx, principal, scheduleId, {
            ...timing,
            ...(retimed ? { nextRunAt: nextRunAt(timing) } : {}),
            ...(body.name !== undefined ? { name: body.name } : {}),
            ...(body.task_type !== undefined ? { taskType: body.task_type } : {}),
            ...(body.task_data !== undefined ? { taskData: body.task_data } : {}),
            ...(body.priority !== undefined ? { priority: body.priority } : {}),
            ...(body.max_attempts !== undefined ? { maxAttempts: body.max_attempts } : {}),
          });
        });
        return toScheduleView(updated);
      } catch (error) {
        if (body.name !== undefined && isUniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },

    async remove(principal: Principal, agentId: string, scheduleId: string): Promise<void> {
      requirePermission(principal, 'agents:execute');
      await requireAgent(principal, agentId);
      if (!(await repository.deleteSchedule(db, principal, agentId, scheduleId))) {
        throw new NotFoundError('Task schedule');
      }
    },
  };
}

export type TaskScheduleService = ReturnType<typeof createTaskScheduleService>;
