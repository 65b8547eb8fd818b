import { api, unwrap } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading } from '../../components/page.tsx';
import { JsonView, useReloadWhenRunMoves } from './analysis-parts.tsx';

const tone = { approved: 'ok', rejected: 'bad', pending: '' } as const;

/** The run's proposals in item order, each approved or rejected by a person. */
export function RunProposals({
  runId,
  generation,
  onReviewed,
}: {
  runId: string;
  generation: number;
  onReviewed: () => void;
}) {
  const proposals = useApi(
    () => unwrap(api.GET('/api/v1/analysis/runs/{id}/proposals', { params: { path: { id: runId } } })),
    [runId],
  );
  useReloadWhenRunMoves(proposals.reload, generation);
  const review = useAction(async (proposalId: string, decision: 'approve' | 'reject') => {
    const request = { params: { path: { id: proposalId } }, body: {} };
    if (decision === 'approve') await unwrap(api.POST('/api/v1/proposals/{id}/approve', request));
    else await unwrap(api.POST('/api/v1/proposals/{id}/reject', request));
    await proposals.reload();
    onReviewed();
  });
  return (
    <section className="card" aria-labelledby="run-proposals">
      <h2 id="run-proposals">Proposals</h2>
      <ErrorNotice error={proposals.error ?? review.error} />
      {!proposals.data ? (
        proposals.loading ? (
          <Loading what="Loading the proposals" />
        ) : null
      ) : proposals.data.length === 0 ? (
        <Empty>No proposal yet: each item answered becomes one.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-labelledby="run-proposals">
            <ColumnHeads columns={['#', 'Input', 'Output', 'Review']} />
            <tbody>
              {proposals.data.map((proposal) => (
                <tr key={proposal.id} data-proposal-id={proposal.id}>
                  <td>{proposal.item_index}</td>
                  <td>
                    <JsonView value={proposal.input} label={`Input of item ${proposal.item_index}`} />
                  </td>
                  <td>
                    <JsonView value={proposal.output} label={`Output of item ${proposal.item_index}`} />
                  </td>
                  <td className="review-cell">
                    <span className={`badge ${tone[proposal.status]}`}>{proposal.status}</span>
                    {proposal.reason ? <div className="muted small">{proposal.reason}</div> : null}
                    <div className="row-actions">
                      <button
                        type="button"
                        aria-label={`Approve item ${proposal.item_index}`}
                        disabled={review.pending || proposal.status === 'approved'}
                        onClick={() => void review.run(proposal.id, 'approve')}
                      >
                        Approve
                      </button>
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Reject item ${proposal.item_index}`}
                        disabled={review.pending || proposal.status === 'rejected'}
                        onClick={() => void review.run(proposal.id, 'reject')}
                      >
                        Reject
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
