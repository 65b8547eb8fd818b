import type { Schema } from '@agentry/client';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { Empty, When } from '../../components/page.tsx';
import { RunLink } from '../runs/run-link.tsx';
import { JsonBlock, TaskStatusBadge } from './task-parts.tsx';

type Detail = Schema<'AgentTaskDetail'>;

const duration = (start: string, end: string | null) =>
  end ? `${((new Date(end).getTime() - new Date(start).getTime()) / 1000).toFixed(2)} s` : '—';

/** Every attempt of the task, with its timing, outcome, error and run. */
export function TaskAttempts({ attempts }: { attempts: Detail['attempts'] }) {
  return (
    <section className="card" aria-labelledby="task-attempts">
      <h2 id="task-attempts">Attempts</h2>
      {attempts.length === 0 ? (
        <Empty>Not attempted yet.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="task-attempts">
            <ColumnHeads columns={['#', 'Outcome', 'Started', 'Ended', 'Took', 'Error', 'Run']} />
            <tbody>
              {attempts.map((attempt) => (
                <tr key={attempt.attempt}>
                  <td>{attempt.attempt}</td>
                  <td>
                    <TaskStatusBadge status={attempt.status} />
                  </td>
                  <td>
                    <When at={attempt.started_at} />
                  </td>
                  <td>
                    <When at={attempt.ended_at} />
                  </td>
                  <td>{duration(attempt.started_at, attempt.ended_at)}</td>
                  <td>
                    {attempt.error ? (
                      <span className="error-text">
                        {attempt.error.code}: {attempt.error.message}
                      </span>
                    ) : null}
                  </td>
                  <td>{attempt.run_id ? <RunLink runId={attempt.run_id} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The task's steps and its runs' steps, oldest first, each with what it was given and gave back. */
export function TaskActions({ actions }: { actions: Detail['actions'] }) {
  return (
    <section className="card" aria-labelledby="task-actions">
      <h2 id="task-actions">Actions</h2>
      {actions.length === 0 ? (
        <Empty>No action yet.</Empty>
      ) : (
        <ol className="action-list">
          {actions.map((action) => (
            <li key={action.id}>
              <details>
                <summary>
                  <span className={`badge ${action.success ? 'ok' : 'bad'}`}>
                    {action.success ? 'ok' : 'failed'}
                  </span>{' '}
                  <strong>{action.action_type}</strong>{' '}
                  <span className="muted">
                    <When at={action.created_at} /> · {action.execution_time_ms} ms
                  </span>
                </summary>
                <div className="grid-2">
                  <JsonBlock value={action.action_data} label={`${action.action_type} data`} />
                  <JsonBlock value={action.result_data} label={`${action.action_type} result`} />
                </div>
              </details>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
