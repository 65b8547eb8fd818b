import type { Database } from '../../platform/db/database.ts';
import type { AgentView } from '../agents/index.ts';
import { agentRunStatistics } from '../runs/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { agentMetrics, UNAVAILABLE_ERROR_CODES } from './agent-metrics.ts';
import type { AgentFileStorage } from './file-storage.ts';
import { type HealthChecks, overallStatus, runHealthChecks } from './health-checks.ts';

/** An agent's health and metrics, read for one of its organization's callers. */
export function createMonitoringService({
  db,
  requireAgent,
  checks,
  fileStorage,
  onCheckError,
}: {
  db: Database;
  /** The agent as the API shows it (the agents module; 403 or 404 when the caller may not see it). */
  requireAgent(principal: Principal, agentId: string): Promise<AgentView>;
  checks: HealthChecks;
  fileStorage: AgentFileStorage;
  onCheckError(error: unknown, check: string): void;
}) {
  return {
    /** Runs the agent's checks now; the runtime is what its turns and the monitor left. */
    async health(principal: Principal, agentId: string) {
      const agent = await requireAgent(principal, agentId);
      const results = await runHealthChecks(checks, principal, agent, onCheckError);
      const { state, health, consecutive_failures, last_error, last_heartbeat } = agent.runtime;
      return {
        agent_id: agent.id,
        overall_status: overallStatus(results),
        checks: results,
        runtime: { state, health, consecutive_failures, last_error, last_heartbeat },
        alerts: agent.runtime.alerts,
        last_health_check: agent.runtime.last_health_check,
        timestamp: new Date().toISOString(),
      };
    },

    /** Two statements: the agent (with the 403/404 rule), then its runs' statistics. */
    async metrics(principal: Principal, agentId: string) {
      const agent = await requireAgent(principal, agentId);
      const [statistics, fileStorageBytes] = await Promise.all([
        agentRunStatistics(db, principal, agentId, UNAVAILABLE_ERROR_CODES),
        fileStorage.usageBytes(principal, agentId),
      ]);
      return agentMetrics(agent, statistics, fileStorageBytes, new Date());
    },
  };
}

export type MonitoringService = ReturnType<typeof createMonitoringService>;
