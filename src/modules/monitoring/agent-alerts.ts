import type { Config } from '../../config.ts';
import type { RunMetrics } from './agent-metrics.ts';

export type AlertThresholds = Config['agentAlertThresholds'];

/** Why an `agent-alert` is raised: a metric past its threshold, or checks that kept an agent in error. */
export const alertReasons = [
  'error_rate',
  'response_time',
  'queue_depth',
  'availability',
  'recovery_failed',
] as const;
export type AlertReason = (typeof alertReasons)[number];

export interface Alert {
  reason: AlertReason;
  message: string;
  value?: number;
  threshold?: number;
}

/** The thresholds the metrics are past. A metric with nothing to measure (null) is past none. */
export function thresholdAlerts(metrics: RunMetrics, thresholds: AlertThresholds): Alert[] {
  const alerts: Alert[] = [];
  const { error_rate_1h: errorRate, availability_percentage: availability } = metrics.health;
  const { avg_response_time_ms: responseTime, queue_depth: queueDepth } = metrics.performance;
  if (errorRate !== null && errorRate > thresholds.errorRate) {
    alerts.push({
      reason: 'error_rate',
      value: errorRate,
      threshold: thresholds.errorRate,
      message: `${Math.round(errorRate * 100)}% of the last hour’s runs failed`,
    });
  }
  if (responseTime !== null && responseTime > thresholds.responseTimeMs) {
    alerts.push({
      reason: 'response_time',
      value: responseTime,
      threshold: thresholds.responseTimeMs,
      message: `Completed runs took ${responseTime} ms on average over the last 24 hours`,
    });
  }
  if (queueDepth > thresholds.queueDepth) {
    alerts.push({
      reason: 'queue_depth',
      value: queueDepth,
      threshold: thresholds.queueDepth,
      message: `${queueDepth} runs are running or waiting`,
    });
  }
  if (availability !== null && availability < thresholds.availabilityPercentage) {
    alerts.push({
      reason: 'availability',
      value: availability,
      threshold: thresholds.availabilityPercentage,
      message: `The agent was available for ${availability}% of the last 24 hours’ runs`,
    });
  }
  return alerts;
}
