import type { Schema } from '@agentry/client';
import { TASK_STATUSES, type TaskStatus } from './task-parts.tsx';

/** The queue at a glance (GET /tasks/stats): counts by status are also the status filter. */
export function TaskStats({
  stats,
  selected,
  onStatus,
}: {
  stats: Schema<'AgentTaskStats'>;
  selected: TaskStatus | undefined;
  onStatus: (status: string) => void;
}) {
  const recent = stats.last_15_minutes;
  return (
    <section className="card task-stats" aria-label="Queue statistics">
      <ul className="status-counts">
        {TASK_STATUSES.map((status) => (
          <li key={status}>
            <button
              type="button"
              aria-pressed={selected === status}
              onClick={() => onStatus(selected === status ? '' : status)}
            >
              <span className="count" data-testid={`count-${status}`}>
                {stats.by_status[status]}
              </span>
              <span className="label">{status}</span>
            </button>
          </li>
        ))}
      </ul>
      <p className="muted">
        Queue depth {stats.queue_depth}
        {stats.oldest_waiting_seconds !== null
          ? ` · oldest waiting ${Math.round(stats.oldest_waiting_seconds)} s`
          : ''}
        {` · last 15 minutes: ${recent.completed} completed, ${recent.failed} failed attempts, ${recent.dead} dead, `}
        {`${recent.throughput_per_minute.toFixed(2)}/min, failure rate ${(recent.failure_rate * 100).toFixed(0)}%`}
      </p>
    </section>
  );
}
