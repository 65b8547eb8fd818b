import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading } from '../../components/page.tsx';
import { RunLink } from '../runs/run-link.tsx';
import { formatCost, JsonView, useReloadWhenRunMoves } from './analysis-parts.tsx';

const tone = { completed: 'ok', failed: 'bad', pending: '' } as const;

/** The run's items in order: status, output or error, usage, latency and the turn that answered. */
export function RunItems({ runId, generation }: { runId: string; generation: number }) {
  const items = useApi(
    () => unwrap(api.GET('/api/v1/analysis/runs/{id}/items', { params: { path: { id: runId } } })),
    [runId],
  );
  useReloadWhenRunMoves(items.reload, generation);
  return (
    <section className="card" aria-labelledby="run-items">
      <h2 id="run-items">Items</h2>
      <ErrorNotice error={items.error} />
      {!items.data ? (
        items.loading ? (
          <Loading what="Loading the items" />
        ) : null
      ) : items.data.length === 0 ? (
        <Empty>No item.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="run-items">
            <ColumnHeads columns={['#', 'Status', 'Output or error', 'Tokens', 'Cost', 'Latency', 'Turn']} />
            <tbody>
              {items.data.map((item) => (
                <tr key={item.item_index}>
                  <td>{item.item_index}</td>
                  <td>
                    <span className={`badge ${tone[item.status]}`}>{item.status}</span>
                  </td>
                  <td>
                    {item.error ? (
                      <span className="error-text">
                        {item.error.code}: {item.error.message}
                      </span>
                    ) : (
                      <JsonView value={item.output} label={`Output of item ${item.item_index}`} />
                    )}
                  </td>
                  <td>{item.usage.total_tokens}</td>
                  <td>{formatCost(item.cost_estimate)}</td>
                  <td>{item.latency_ms === null ? '—' : `${item.latency_ms} ms`}</td>
                  <td>{item.turn_run_id ? <RunLink runId={item.turn_run_id} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
