import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { formatCost, formatDuration, formatTokens, statusTone } from './run-format.ts';
import { RunTimeline } from './run-timeline.tsx';
import './runs.css';

/** One run: what it cost and how it went, then its steps as a timeline. */
export default function RunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const run = useApi(() => unwrap(api.GET('/api/v1/runs/{id}', { params: { path: { id } } })), [id]);
  const agentId = run.data?.agent_id;
  const agent = useApi(
    async () =>
      agentId ? unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })) : null,
    [agentId],
  );
  const data = run.data;
  return (
    <Page title="Run" actions={<Link to="/runs">All runs</Link>}>
      <ErrorNotice error={run.error} />
      {run.loading && !data ? <Loading what="Loading the run" /> : null}
      {data ? (
        <>
          <section className="card" aria-labelledby="run-summary">
            <h2 id="run-summary" className="run-card-title">
              Summary
            </h2>
            <dl className="run-summary">
              <div>
                <dt>Status</dt>
                <dd>
                  <span className={statusTone(data.status)} data-testid="run-status">
                    {data.status}
                  </span>
                </dd>
              </div>
              <div>
                <dt>Agent</dt>
                <dd>
                  <Link to={`/agents/${data.agent_id}`}>{agent.data?.name ?? data.agent_id}</Link>{' '}
                  <span className="muted">v{data.agent_version}</span>
                </dd>
              </div>
              <div>
                <dt>Trigger</dt>
                <dd>{data.trigger}</dd>
              </div>
              <div>
                <dt>Session</dt>
                <dd>
                  {data.session_id ? <code>{data.session_id}</code> : <span className="muted">none</span>}
                </dd>
              </div>
              <div>
                <dt>Model</dt>
                <dd>
                  {data.model ?? '—'}
                  {data.provider_name ? <span className="muted"> · {data.provider_name}</span> : null}
                  {data.fallback_used ? <span className="badge warn">fallback</span> : null}
                </dd>
              </div>
              <div>
                <dt>Tokens in / out</dt>
                <dd data-testid="run-tokens">
                  {formatTokens(data.usage.input_tokens)} / {formatTokens(data.usage.output_tokens)}{' '}
                  <span className="muted">({formatTokens(data.usage.total_tokens)} total)</span>
                </dd>
              </div>
              <div>
                <dt>Cost</dt>
                <dd data-testid="run-cost">{formatCost(data.cost_estimate)}</dd>
              </div>
              <div>
                <dt>Duration</dt>
                <dd>{formatDuration(data.duration_ms)}</dd>
              </div>
              <div>
                <dt>Started</dt>
                <dd>
                  <When at={data.started_at} />
                </dd>
              </div>
            </dl>
            {data.error ? (
              <div className="error-notice" role="status">
                <strong>{data.error.message}</strong>
                <span className="error-meta">{data.error.code}</span>
              </div>
            ) : null}
            {data.warnings.length > 0 ? (
              <ul className="run-warnings" aria-label="Warnings">
                {data.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            ) : null}
          </section>
          <section aria-labelledby="run-steps">
            <h2 id="run-steps">Steps</h2>
            {data.actions.length === 0 ? (
              <Empty>This run recorded no steps.</Empty>
            ) : (
              <RunTimeline steps={data.actions} startedAt={data.started_at} durationMs={data.duration_ms} />
            )}
          </section>
        </>
      ) : null}
    </Page>
  );
}
