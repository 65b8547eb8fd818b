import type { Metrics } from '../../platform/observability/metrics.ts';
import type { TurnObserver } from '../execution/index.ts';

/**
 * Counts every turn by trigger and outcome with its duration, and its tool calls by origin and
 * outcome from the run's actions. Model calls are counted where they are made (the execution
 * module's model-call metrics), so that calls outside turns count too.
 */
export function turnMetricsObserver(metrics: Pick<Metrics, 'turnEnded' | 'toolCall'>): TurnObserver {
  return {
    name: 'metrics',
    turnEnded(turn, { durationMs, actions }) {
      metrics.turnEnded(turn.trigger, turn.status, durationMs / 1000);
      for (const action of actions) {
        if (action.actionType !== 'tool_call') continue;
        const origin = (action.actionData.origin as { kind?: unknown } | undefined)?.kind;
        metrics.toolCall(
          typeof origin === 'string' ? origin : 'builtin',
          action.success,
          action.executionTimeMs / 1000,
        );
      }
    },
  };
}
