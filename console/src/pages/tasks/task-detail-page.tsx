import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice, RecordedError } from '../../components/error-notice.tsx';
import { Fact } from '../../components/facts.tsx';
import { Page, PageLoading, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { TaskActions, TaskAttempts } from './task-history.tsx';
import { cancellable, JsonBlock, retryable, TASK_EVENTS, TaskStatusBadge } from './task-parts.tsx';
import './tasks.css';

/** One task: its input, status, attempts, actions and result; cancel, retry or queue it. */
export default function TaskDetailPage({ params }: PageProps) {
  const agentId = params.agentId ?? '';
  const taskId = params.taskId ?? '';
  const path = { params: { path: { id: agentId, task_id: taskId } } };
  const task = useApi(
    () =>
      unwrap(
        api.GET('/api/v1/agents/{id}/tasks/{task_id}', {
          params: { path: { id: agentId, task_id: taskId } },
        }),
      ),
    [agentId, taskId],
  );
  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  useLiveEvents(TASK_EVENTS, (event) => {
    if (event.data.task_id === taskId) void task.reload();
  });
  const act = useAction(async (verb: 'cancel' | 'retry' | 'queue') => {
    if (verb === 'cancel') await unwrap(api.POST('/api/v1/agents/{id}/tasks/{task_id}/cancel', path));
    else if (verb === 'retry') await unwrap(api.POST('/api/v1/agents/{id}/tasks/{task_id}/retry', path));
    else await unwrap(api.POST('/api/v1/agents/{id}/tasks/{task_id}/queue', path));
    await task.reload();
  });
  const data = task.data;
  if (!data) {
    return <PageLoading title="Task" error={task.error} loading={task.loading} what="Loading the task" />;
  }
  return (
    <Page
      title={`Task ${data.task_type}`}
      actions={
        <>
          {data.status === 'pending' ? (
            <button
              type="button"
              className="primary"
              disabled={act.pending}
              onClick={() => void act.run('queue')}
            >
              Queue
            </button>
          ) : null}
          {retryable(data.status) ? (
            <button type="button" disabled={act.pending} onClick={() => void act.run('retry')}>
              Retry
            </button>
          ) : null}
          {cancellable(data.status) ? (
            <button
              type="button"
              className="danger"
              disabled={act.pending}
              onClick={() => void act.run('cancel')}
            >
              Cancel
            </button>
          ) : null}
        </>
      }
    >
      <p>
        <Link to={`/tasks?agent_id=${data.agent_id}`}>← The agent’s tasks</Link>
      </p>
      <ErrorNotice error={act.error} />
      <ErrorNotice error={task.error} />
      <section className="card" aria-labelledby="task-summary">
        <h2 id="task-summary">
          Status{' '}
          <span aria-live="polite" data-testid="task-status">
            <TaskStatusBadge status={data.status} />
          </span>
        </h2>
        <dl className="facts">
          <Fact term="Agent">
            <Link to={`/agents/${data.agent_id}`}>{agent.data?.name ?? <code>{data.agent_id}</code>}</Link>
          </Fact>
          <Fact term="Priority">{data.priority}</Fact>
          <Fact term="Source">{data.source}</Fact>
          <Fact term="Attempts">
            {data.attempt_count} of {data.max_attempts}
          </Fact>
          <Fact term="Created">
            <When at={data.created_at} />
          </Fact>
          <Fact term="Scheduled">
            <When at={data.scheduled_at} />
          </Fact>
          <Fact term="Queued">
            <When at={data.queued_at} />
          </Fact>
          <Fact term="Started">
            <When at={data.started_at} />
          </Fact>
          <Fact term="Ended">
            <When at={data.completed_at} />
          </Fact>
          {data.idempotency_key ? (
            <Fact term="Idempotency key">
              <code>{data.idempotency_key}</code>
            </Fact>
          ) : null}
          {data.run_id ? (
            <Fact term="Latest run">
              <Link to={`/runs/${data.run_id}`}>
                <code>{data.run_id}</code>
              </Link>
            </Fact>
          ) : null}
        </dl>
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="task-input">
          <h2 id="task-input">Input</h2>
          <JsonBlock value={data.task_data} label="Task data" />
        </section>
        <section className="card" aria-labelledby="task-result">
          <h2 id="task-result">Result</h2>
          <RecordedError error={data.error} />
          {data.result ? (
            <>
              <p className="answer" data-testid="task-answer">
                {data.result.answer}
              </p>
              {data.result.structured_output ? (
                <JsonBlock value={data.result.structured_output} label="Structured output" />
              ) : null}
              <details>
                <summary>The result as JSON</summary>
                <JsonBlock value={data.result} label="Result" />
              </details>
            </>
          ) : data.error ? null : (
            <p className="muted">No result yet.</p>
          )}
        </section>
      </div>
      <TaskAttempts attempts={data.attempts} />
      <TaskActions actions={data.actions} />
    </Page>
  );
}
