import type { AgentView } from '../agents/index.ts';
import type { AgentRunStatistics } from '../runs/index.ts';

/**
 * Failures that mean the agent was unavailable rather than that it could not do what was asked:
 * the provider down, rate-limited or paused by its breaker, the turn out of time, Agentry's own
 * fault. A provider's refusal (`provider_error`), a bad structured answer or too many tool calls
 * are failures, not unavailability. Runs ended `abandoned` (their process died) count too.
 */
export const UNAVAILABLE_ERROR_CODES = [
  'provider_unavailable',
  'provider_rate_limited',
  'provider_circuit_open',
  'timeout',
  'internal_error',
];

/** The windows the metrics cover, in hours. */
export const METRICS_WINDOW = { hours: 24, error_rate_hours: 1 } as const;

const BYTES_PER_MB = 1024 * 1024;

const ratio = (part: number, whole: number, digits: number): number | null =>
  whole === 0 ? null : Number((part / whole).toFixed(digits));

export interface RunMetrics {
  performance: {
    avg_response_time_ms: number | null;
    success_rate: number | null;
    tasks_processed_24h: number;
    queue_depth: number;
  };
  health: {
    last_successful_task: string | null;
    error_rate_1h: number | null;
    availability_percentage: number | null;
  };
}

/**
 * The metrics the runs give (docs/monitoring.md has the definitions). A run counts in the window
 * it started in; cancelled runs (the caller went away) are processed but neither succeed nor fail.
 */
export function runMetrics(agent: AgentView, statistics: AgentRunStatistics): RunMetrics {
  const { day, hour } = statistics;
  const dayOutcomes = day.completed + day.failed + day.abandoned;
  const hourOutcomes = hour.completed + hour.failed + hour.abandoned;
  const unavailable = day.abandoned + day.failedUnavailable;
  const availability = ratio(dayOutcomes - unavailable, dayOutcomes, 4);
  return {
    performance: {
      avg_response_time_ms:
        statistics.averageCompletedDurationMs === null
          ? null
          : Math.round(statistics.averageCompletedDurationMs),
      success_rate: ratio(day.completed, dayOutcomes, 4),
      tasks_processed_24h: dayOutcomes + day.cancelled,
      queue_depth: statistics.running,
    },
    health: {
      // Turns set it to the end of their latest completed run.
      last_successful_task: agent.last_interaction_at,
      error_rate_1h: ratio(hour.failed + hour.abandoned, hourOutcomes, 4),
      availability_percentage: availability === null ? null : Number((availability * 100).toFixed(2)),
    },
  };
}

/** `GET /agents/{id}/metrics`: the run metrics with the agent's resources. */
export function agentMetrics(
  agent: AgentView,
  statistics: AgentRunStatistics,
  fileStorageBytes: number,
  generatedAt: Date,
) {
  const { performance, health } = runMetrics(agent, statistics);
  return {
    agent_id: agent.id,
    performance,
    resources: {
      file_storage_mb: Number((fileStorageBytes / BYTES_PER_MB).toFixed(3)),
      // Versions are numbered 1, 2, ... with no gap and never deleted: the current one is their count.
      configuration_versions: agent.version,
    },
    health,
    window: METRICS_WINDOW,
    generated_at: generatedAt.toISOString(),
  };
}
