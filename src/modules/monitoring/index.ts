import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AgentView } from '../agents/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import type { AlertThresholds } from './agent-alerts.ts';
import { configurationCheck, type DescribeModels, type DescribeProvider } from './configuration-check.ts';
import type { AgentFileStorage } from './file-storage.ts';
import type { HealthChecks } from './health-checks.ts';
import { AGENT_MONITORING_QUEUE, agentMonitoringJob } from './monitoring-job.ts';
import { monitoringRoutes } from './monitoring-routes.ts';
import { createMonitoringService } from './monitoring-service.ts';
import { databaseCheck, type QueueState, taskProcessingCheck } from './platform-checks.ts';

export type { AgentFileStorage } from './file-storage.ts';
export { AGENT_MONITORING_QUEUE } from './monitoring-job.ts';

export interface MonitoringOptions {
  db: Database;
  guard: AccessGuard;
  jobs: JobRegistry;
  events: Pick<EventPublisher, 'encode' | 'notification'>;
  /** The agent as the API shows it, with the 403/404 rule (the agents module). */
  requireAgent(principal: Principal, agentId: string): Promise<AgentView>;
  /** The execution module's model resolution, as a turn would do it. */
  describeModels: DescribeModels;
  describeProvider: DescribeProvider;
  /** A database round trip. */
  ping(): Promise<void>;
  queueState: QueueState;
  /** The storage of agents' files (the knowledge module's blob store). */
  fileStorage: AgentFileStorage;
  thresholds: AlertThresholds;
}

/**
 * Per-agent health and metrics (seed 000 AgentHealthMonitor, AgentMetricsCollector): the routes
 * `/agents/{id}/health` and `/agents/{id}/metrics`, and the monitor that recovers agents in error
 * and raises alerts (docs/monitoring.md). A module of its own: it reads the agents, runs,
 * providers, execution and the queue, none of which should know about it.
 */
export async function registerMonitoring(app: FastifyInstance, options: MonitoringOptions) {
  const { fileStorage } = options;
  const checks: HealthChecks = {
    configuration: configurationCheck(options),
    database: databaseCheck(options.ping),
    task_processing: taskProcessingCheck(options.queueState, [AGENT_MONITORING_QUEUE]),
    file_access: fileStorage.checkAccess,
  };
  const onError = (error: unknown, context: Record<string, unknown>) =>
    app.log.error({ err: error, ...context }, 'agent monitoring failed');
  const service = createMonitoringService({
    db: options.db,
    requireAgent: options.requireAgent,
    checks,
    fileStorage,
    onCheckError: (error, check) => onError(error, { check }),
  });
  await app.register(monitoringRoutes(service, options.guard), { prefix: '/api/v1' });
  options.jobs.add(
    agentMonitoringJob({
      db: options.db,
      checks,
      thresholds: options.thresholds,
      events: options.events,
      onError,
    }),
  );
}
