import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { abandonOrphanedRuns } from './run-recovery.ts';
import { runRoutes } from './run-routes.ts';
import { createRunService } from './run-service.ts';

export type { ActionLog, RecordedAction } from './run-actions.ts';
export { createActionLog, emptyUsage } from './run-actions.ts';
export { runningTurnsOf } from './run-activity.ts';
export type { ActionView } from './run-schemas.ts';
export { actionView, usageView } from './run-schemas.ts';
export type { RunService } from './run-service.ts';
export type { AgentRunStatistics } from './run-statistics.ts';
export { agentRunStatistics, runStatisticsForOperator } from './run-statistics.ts';
export type { ActionType, RunStatus, RunTrigger, RunUsage } from './run-tables.ts';
export { runTriggers } from './run-tables.ts';
export type { Notification, RunRecord } from './run-turn-parts.ts';
export { turnEndRunsPart, turnStartRunsPart } from './run-turn-parts.ts';
export { recordTaskSteps, type TaskStep } from './step-actions.ts';

export interface RunsOptions {
  db: Database;
  guard: AccessGuard;
  events: Pick<EventPublisher, 'publish'>;
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
}

/**
 * Runs: the record of every execution of an agent (chat, test, task, analysis, api), its actions,
 * the API to read them, and the recovery of runs whose process died (through process leases).
 */
export async function registerRuns(app: FastifyInstance, options: RunsOptions) {
  const service = createRunService({ db: options.db, requireAgent: options.requireAgent });
  await app.register(runRoutes(service, options.guard), { prefix: '/api/v1' });
  // For the process lease: what to do with the runs of processes that are gone.
  return { service, abandonOrphanedRuns: abandonOrphanedRuns(options.events) };
}
