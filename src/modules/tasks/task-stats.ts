import type { Database } from '../../platform/db/database.ts';
import type { Principal } from '../tenancy/index.ts';
import * as repository from './task-repository.ts';
import type { TaskStatsView } from './task-schemas.ts';
import { type TaskStatus, taskStatuses } from './task-tables.ts';

const RECENT_MINUTES = 15;
const waiting = new Set<TaskStatus>(['queued', 'scheduled']);

const noCounts = () =>
  Object.fromEntries(taskStatuses.map((status) => [status, 0])) as Record<TaskStatus, number>;

/**
 * The organization's queue at a glance (`GET /tasks/stats`): tasks by status and priority, per
 * agent, the queue's depth and the age of its oldest waiting task, and how the last 15 minutes of
 * attempts ended.
 */
export async function taskStats(
  db: Database,
  principal: Principal,
  now = new Date(),
): Promise<TaskStatsView> {
  const since = new Date(now.getTime() - RECENT_MINUTES * 60_000);
  const [counts, oldest, recent] = await Promise.all([
    repository.countTasks(db, principal),
    repository.oldestQueuedAt(db, principal),
    repository.recentOutcomes(db, principal, since),
  ]);
  const byStatus = noCounts();
  const byPriority: Record<string, number> = {};
  const agents = new Map<string, { by_status: Record<TaskStatus, number>; queue_depth: number }>();
  for (const { agentId, status, priority, tasks } of counts) {
    byStatus[status] += tasks;
    byPriority[String(priority)] = (byPriority[String(priority)] ?? 0) + tasks;
    const agent = agents.get(agentId) ?? { by_status: noCounts(), queue_depth: 0 };
    agent.by_status[status] += tasks;
    if (waiting.has(status)) agent.queue_depth += tasks;
    agents.set(agentId, agent);
  }
  const ended = recent.completed + recent.failed;
  return {
    by_status: byStatus,
    by_priority: byPriority,
    queue_depth: byStatus.queued + byStatus.scheduled,
    oldest_waiting_seconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : null,
    last_15_minutes: {
      completed: recent.completed,
      failed: recent.failed,
      dead: recent.dead,
      throughput_per_minute: Number((recent.completed / RECENT_MINUTES).toFixed(3)),
      failure_rate: ended > 0 ? Number((recent.failed / ended).toFixed(3)) : 0,
    },
    agents: [...agents].map(([agentId, agent]) => ({ agent_id: agentId, ...agent })),
  };
}
