import type { SQL } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher, NewEvent } from '../../platform/events/event-bus.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import {
  type AgentRuntime,
  type AgentView,
  changeMonitoredRuntime,
  findAgentsToMonitor,
} from '../agents/index.ts';
import { type AgentRunStatistics, runStatisticsForOperator } from '../runs/index.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import { type Alert, type AlertThresholds, thresholdAlerts } from './agent-alerts.ts';
import { METRICS_WINDOW, runMetrics, UNAVAILABLE_ERROR_CODES } from './agent-metrics.ts';
import { failedChecks, type HealthChecks, overallStatus, runHealthChecks } from './health-checks.ts';

export const AGENT_MONITORING_QUEUE = 'maintenance-agent-health';

/** Agents looked at per statement, and statements per run: the work of one run is bounded. */
const BATCH_SIZE = 200;
const MAX_BATCHES_PER_RUN = 5;

const sorted = (reasons: Iterable<string>) => [...new Set(reasons)].sort();
const sameList = (left: string[], right: string[]) =>
  left.length === right.length && left.every((value, index) => value === right[index]);

/**
 * The health monitor (seed 000 AgentHealthMonitor), every minute, acting for the operator across
 * organizations. An agent in health error has its checks run under a background principal of its
 * organization: when none fails it is recovered (idle, health warning until its next completed
 * turn, no failure streak) and `agent-recovered` is published, else the failed checks are recorded
 * and `agent-alert` (recovery_failed) raised. Every agent active within the metrics window has its
 * metrics compared with the thresholds; an `agent-alert` is raised when one is crossed, once: the
 * alerts raised are kept on its runtime until the metric is back. Each change is conditional on
 * what was read, so concurrent runs (or a turn ending meanwhile) never raise an alert twice nor
 * undo a turn's state.
 */
export function agentMonitoringJob({
  db,
  checks,
  thresholds,
  events,
  onError,
}: {
  db: Database;
  checks: HealthChecks;
  thresholds: AlertThresholds;
  events: Pick<EventPublisher, 'encode' | 'notification'>;
  onError(error: unknown, context: Record<string, unknown>): void;
}): JobDefinition {
  // Where the next run goes on when a run could not look at every agent: each process goes round.
  let cursor: string | null = null;

  const announce = (agent: AgentView, type: string, data: Record<string, unknown>): SQL => {
    const event: NewEvent = {
      type,
      organization_id: agent.organization_id,
      data: { agent_id: agent.id, ...data },
    };
    return events.notification(events.encode(event));
  };

  /** Runs the checks of an agent in error: the runtime to merge, and either its recovery or an alert. */
  async function attemptRecovery(agent: AgentView) {
    const principal = backgroundPrincipal({
      organizationId: agent.organization_id,
      trigger: 'monitoring',
      role: 'readonly',
    });
    const results = await runHealthChecks(checks, principal, agent, (error, check) =>
      onError(error, { agent_id: agent.id, check }),
    );
    const failed = failedChecks(results);
    const checked: Partial<AgentRuntime> = {
      last_health_check: new Date().toISOString(),
      failed_checks: failed,
    };
    if (overallStatus(results) === 'error') {
      const alert: Alert = {
        reason: 'recovery_failed',
        message: `The agent stays in error; failed checks: ${failed.join(', ')}`,
      };
      return { set: checked, alert, recovered: null };
    }
    const recovered = announce(agent, 'agent-recovered', {
      consecutive_failures: agent.runtime.consecutive_failures,
      checks: Object.fromEntries(Object.entries(results).map(([name, result]) => [name, result.status])),
    });
    const reset: Partial<AgentRuntime> = { state: 'idle', health: 'warning', consecutive_failures: 0 };
    return { set: { ...checked, ...reset }, alert: null, recovered };
  }

  async function monitor(agent: AgentView, statistics: AgentRunStatistics) {
    const previousAlerts = sorted(agent.runtime.alerts);
    const alerts = thresholdAlerts(runMetrics(agent, statistics), thresholds);
    let set: Partial<AgentRuntime> = {};
    const announcements: SQL[] = [];
    // An inactive agent runs no turns: it is not recovered, only its alerts are kept up to date.
    const inError = agent.runtime.health === 'error' && agent.status === 'active';
    if (inError) {
      const recovery = await attemptRecovery(agent);
      set = recovery.set;
      if (recovery.alert) alerts.push(recovery.alert);
      if (recovery.recovered) announcements.push(recovery.recovered);
    }
    for (const alert of alerts) {
      if (!previousAlerts.includes(alert.reason))
        announcements.push(announce(agent, 'agent-alert', { ...alert }));
    }
    const nextAlerts = sorted(alerts.map((alert) => alert.reason));
    if (!sameList(nextAlerts, previousAlerts)) set.alerts = nextAlerts;
    if (Object.keys(set).length === 0) return;
    await changeMonitoredRuntime(
      db,
      { organizationId: agent.organization_id, id: agent.id },
      { set, expected: { alerts: previousAlerts, healthError: inError }, announcements },
    );
  }

  return {
    // A missed minute is made up by the next: no retries, no dead letters.
    queue: {
      name: AGENT_MONITORING_QUEUE,
      options: { retryLimit: 0, expireInSeconds: 300 },
      deadLetter: false,
    },
    schedule: '* * * * *',
    handle: async () => {
      for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
        const agents = await findAgentsToMonitor(db, {
          afterId: cursor,
          limit: BATCH_SIZE,
          activeWithinHours: METRICS_WINDOW.hours,
        });
        cursor = agents.length === BATCH_SIZE ? (agents.at(-1)?.id ?? null) : null;
        const statistics = await runStatisticsForOperator(
          db,
          agents.map((agent) => ({ organizationId: agent.organization_id, agentId: agent.id })),
          UNAVAILABLE_ERROR_CODES,
        );
        const byAgent = new Map(statistics.map((entry) => [entry.agentId, entry]));
        for (const agent of agents) {
          const agentStatistics = byAgent.get(agent.id);
          if (!agentStatistics) continue;
          // One agent's failure (its organization's data) must not stop the others' monitoring.
          await monitor(agent, agentStatistics).catch((error) => onError(error, { agent_id: agent.id }));
        }
        if (cursor === null) return;
      }
    },
  };
}
