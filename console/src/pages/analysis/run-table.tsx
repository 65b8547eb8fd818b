import { ColumnHeads } from '../../components/column-heads.tsx';
import { Empty, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';
import { type AnalysisRun, formatCost, RunProgress, RunStatusBadge } from './analysis-parts.tsx';

/** Runs as rows: what they run, their status and progress, tokens and cost. */
export function RunTable({
  runs,
  names,
  total,
}: {
  runs: AnalysisRun[];
  names: Map<string, string>;
  total: number;
}) {
  if (runs.length === 0) return <Empty>No analysis run yet.</Empty>;
  return (
    <div className="table-scroll">
      <table className="run-table" aria-label="Analysis runs">
        <caption className="muted">
          {runs.length < total ? `The newest ${runs.length} of ${total} runs` : `${total} runs`}
        </caption>
        <ColumnHeads columns={['Run', 'Assignment', 'Status', 'Progress', 'Tokens', 'Cost', 'Proposals']} />
        <tbody>
          {runs.map((run) => (
            <tr key={run.id} data-run-id={run.id}>
              <td>
                <Link to={`/analysis/runs/${run.id}`}>
                  <When at={run.created_at} />
                </Link>
                <div className="muted small">{run.trigger_type}</div>
              </td>
              <td>{names.get(run.assignment_id) ?? <code>{run.assignment_id.slice(0, 8)}</code>}</td>
              <td>
                <RunStatusBadge status={run.status} />
              </td>
              <td>
                <RunProgress run={run} />
              </td>
              <td>{run.llm_tokens_used}</td>
              <td>{formatCost(run.cost_estimate)}</td>
              <td>
                {run.proposals_total} ({run.proposals_pending} pending)
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
