import type { Schema } from '@agentry/client';
import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { JsonFigure } from '../../components/json-figure.tsx';

export type Task = Schema<'AgentTask'>;
export type TaskStatus = Task['status'];

export const TASK_STATUSES: readonly TaskStatus[] = [
  'pending',
  'scheduled',
  'queued',
  'running',
  'completed',
  'failed',
  'dead',
  'cancelled',
];

/** The task events the pages follow (docs/events.md). */
export const TASK_EVENTS = [
  'task-created',
  'task-queued',
  'task-started',
  'task-completed',
  'task-failed',
  'task-dead',
  'task-cancelled',
];

export const isTaskStatus = (value: string): value is TaskStatus =>
  (TASK_STATUSES as readonly string[]).includes(value);

const tone: Partial<Record<TaskStatus, string>> = {
  completed: 'ok',
  failed: 'warn',
  dead: 'bad',
  running: 'warn',
};

export function TaskStatusBadge({ status }: { status: string }) {
  return <span className={`badge ${tone[status as TaskStatus] ?? ''}`}>{status}</span>;
}

/** A JSON value pretty-printed; React escapes it, so a model's text cannot become markup. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return <JsonFigure value={value} label={label} className="json-block" />;
}

/** The organization's agents (the first 200), for pickers and names. */
export function useAgents() {
  return useApi(() => unwrap(api.GET('/api/v1/agents', { params: { query: { limit: 200 } } })), []);
}

/** Whether the API accepts a cancel or a retry in this status (docs/tasks.md); it still decides. */
export const cancellable = (status: TaskStatus) =>
  ['pending', 'scheduled', 'queued', 'running', 'failed'].includes(status);
export const retryable = (status: TaskStatus) => status === 'dead' || status === 'failed';
