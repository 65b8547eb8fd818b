import { useEffect, useRef, useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { type LiveEvent, useLiveEvents } from '../../api/live-events.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { NewTaskForm } from './new-task-form.tsx';
import { isTaskStatus, TASK_EVENTS, TASK_STATUSES, type Task, useAgents } from './task-parts.tsx';
import { TaskStats } from './task-stats.tsx';
import { TaskTable } from './task-table.tsx';
import './tasks.css';

const PAGE_SIZE = 50;

/** The organization's task queue by status and priority, live; the dead letters; a new task. */
export default function TasksPage({ query }: PageProps) {
  const agentId = query.get('agent_id') ?? '';
  const statusParam = query.get('status') ?? '';
  const status = isTaskStatus(statusParam) ? statusParam : undefined;
  const priority = query.get('priority') ?? '';
  const filterKey = `${agentId}|${status}|${priority}`;
  const [paging, setPaging] = useState({ key: filterKey, offset: 0 });
  const offset = paging.key === filterKey ? paging.offset : 0;
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Task | null>(null);
  const [lastEvent, setLastEvent] = useState('');
  const agents = useAgents();
  const tasks = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/tasks', {
          params: {
            query: {
              agent_id: agentId || undefined,
              status,
              priority_min: priority ? Number(priority) : undefined,
              priority_max: priority ? Number(priority) : undefined,
              sort: status === 'queued' ? 'priority' : 'created_at',
              order: status === 'queued' ? 'asc' : 'desc',
              limit: PAGE_SIZE,
              offset,
            },
          },
        }),
      ),
    [agentId, status, priority, offset],
  );
  const stats = useApi(() => unwrap(api.GET('/api/v1/tasks/stats')), []);

  // Events come in bursts (created, queued, started...): one reload for a burst.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(pending.current), []);
  useLiveEvents(TASK_EVENTS, (event: LiveEvent) => {
    setLastEvent(`Task ${String(event.data.task_type ?? '')} is ${String(event.data.status ?? event.type)}`);
    clearTimeout(pending.current);
    pending.current = setTimeout(() => {
      void tasks.reload();
      void stats.reload();
    }, 200);
  });

  const setFilter = (change: Record<string, string>) =>
    replaceQuery({ agent_id: agentId, status: status ?? '', priority, ...change });
  const agentNames = new Map((agents.data ?? []).map((agent) => [agent.id, agent.name]));
  const deadLetters = status === 'dead';

  return (
    <Page
      title={deadLetters ? 'Dead letters' : 'Tasks'}
      actions={
        <button
          type="button"
          className="primary"
          aria-expanded={creating}
          onClick={() => setCreating(!creating)}
        >
          New task
        </button>
      }
    >
      <div className="tabs" role="tablist" aria-label="Task views">
        <button
          type="button"
          role="tab"
          aria-selected={!deadLetters}
          onClick={() => setFilter({ status: '' })}
        >
          Queue
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={deadLetters}
          onClick={() => setFilter({ status: 'dead' })}
        >
          Dead letters{stats.data ? ` (${stats.data.by_status.dead})` : ''}
        </button>
      </div>
      {creating && agents.data ? (
        <NewTaskForm
          agents={agents.data}
          defaultAgentId={agentId}
          onCreated={(task) => {
            setCreated(task);
            setCreating(false);
            void tasks.reload();
            void stats.reload();
          }}
        />
      ) : null}
      {created ? (
        <p className="notice" role="status">
          Created task <Link to={`/agents/${created.agent_id}/tasks/${created.id}`}>{created.task_type}</Link>
          : it shows below as it moves through the queue.
        </p>
      ) : null}
      <ErrorNotice error={agents.error} />
      <ErrorNotice error={stats.error} />
      {stats.data ? (
        <TaskStats stats={stats.data} selected={status} onStatus={(value) => setFilter({ status: value })} />
      ) : null}
      <section className="toolbar" aria-label="Filter tasks">
        <SelectField
          label="Agent"
          name="agent_id"
          value={agentId}
          onChange={(event) => setFilter({ agent_id: event.target.value })}
          options={[
            { value: '', label: 'All agents' },
            ...(agents.data ?? []).map((a) => ({ value: a.id, label: a.name })),
          ]}
        />
        <SelectField
          label="Status"
          name="status"
          value={status ?? ''}
          onChange={(event) => setFilter({ status: event.target.value })}
          options={[
            { value: '', label: 'Any status' },
            ...TASK_STATUSES.map((s) => ({ value: s, label: s })),
          ]}
        />
        <SelectField
          label="Priority"
          name="priority"
          value={priority}
          onChange={(event) => setFilter({ priority: event.target.value })}
          options={[
            { value: '', label: 'Any priority' },
            ...Array.from({ length: 10 }, (_, index) => {
              const value = String(index + 1);
              const count = stats.data?.by_priority[value];
              return { value, label: count === undefined ? value : `${value} (${count})` };
            }),
          ]}
        />
      </section>
      <p className="muted live-status" aria-live="polite">
        {lastEvent}
      </p>
      <ErrorNotice error={tasks.error} />
      {tasks.data ? (
        <>
          <TaskTable
            tasks={tasks.data.items}
            agentNames={agentNames}
            emptyText={deadLetters ? 'No dead tasks: every task ended or is on its way.' : 'No task matches.'}
            onChanged={() => {
              void tasks.reload();
              void stats.reload();
            }}
          />
          <nav className="pager" aria-label="Pages of tasks">
            <span className="muted">
              {tasks.data.total === 0
                ? '0 tasks'
                : `${offset + 1}–${offset + tasks.data.items.length} of ${tasks.data.total}`}
            </span>
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setPaging({ key: filterKey, offset: Math.max(0, offset - PAGE_SIZE) })}
            >
              Previous
            </button>
            <button
              type="button"
              disabled={offset + PAGE_SIZE >= tasks.data.total}
              onClick={() => setPaging({ key: filterKey, offset: offset + PAGE_SIZE })}
            >
              Next
            </button>
          </nav>
        </>
      ) : tasks.loading ? (
        <Loading what="Loading the tasks" />
      ) : null}
    </Page>
  );
}
