import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, When } from '../../components/page.tsx';
import { RowButton } from '../../components/row-button.tsx';
import { Link } from '../../router.tsx';
import { cancellable, retryable, type Task, TaskStatusBadge } from './task-parts.tsx';

const excerpt = (text: string, length = 140) => (text.length > length ? `${text.slice(0, length)}…` : text);

/** Tasks as rows, with what each one produced and the cancel or retry it may take. */
export function TaskTable({
  tasks,
  agentNames,
  emptyText,
  onChanged,
}: {
  tasks: Task[];
  agentNames: Map<string, string>;
  emptyText: string;
  onChanged: () => void;
}) {
  const act = useAction(async (task: Task, verb: 'cancel' | 'retry') => {
    const params = { params: { path: { id: task.agent_id, task_id: task.id } } };
    if (verb === 'cancel') await unwrap(api.POST('/api/v1/agents/{id}/tasks/{task_id}/cancel', params));
    else await unwrap(api.POST('/api/v1/agents/{id}/tasks/{task_id}/retry', params));
    onChanged();
  });
  if (tasks.length === 0) return <Empty>{emptyText}</Empty>;
  return (
    <>
      <ErrorNotice error={act.error} />
      <div className="table-scroll">
        <table className="task-table">
          <ColumnHeads
            columns={['Task', 'Agent', 'Status', 'Priority', 'Attempts', 'Created', 'Result', 'Actions']}
          />
          <tbody>
            {tasks.map((task) => (
              <tr key={task.id} data-task-id={task.id}>
                <td>
                  <Link to={`/agents/${task.agent_id}/tasks/${task.id}`}>{task.task_type}</Link>
                  <div className="muted small">{task.source}</div>
                </td>
                <td>{agentNames.get(task.agent_id) ?? <code>{task.agent_id.slice(0, 8)}</code>}</td>
                <td>
                  <TaskStatusBadge status={task.status} />
                </td>
                <td>{task.priority}</td>
                <td>
                  {task.attempt_count} / {task.max_attempts}
                </td>
                <td>
                  <When at={task.created_at} />
                  {task.scheduled_at ? (
                    <div className="muted small">
                      not before <When at={task.scheduled_at} />
                    </div>
                  ) : null}
                </td>
                <td className="result-cell">
                  {task.result ? excerpt(task.result.answer) : null}
                  {task.error ? (
                    <span className="error-text">
                      {task.error.code}: {excerpt(task.error.message)}
                    </span>
                  ) : null}
                </td>
                <td className="row-actions">
                  {retryable(task.status) ? (
                    <RowButton
                      verb="Retry"
                      item={task.task_type}
                      disabled={act.pending}
                      onClick={() => void act.run(task, 'retry')}
                    />
                  ) : null}
                  {cancellable(task.status) ? (
                    <RowButton
                      verb="Cancel"
                      item={task.task_type}
                      danger
                      disabled={act.pending}
                      onClick={() => void act.run(task, 'cancel')}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
