import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice, RecordedError } from '../../components/error-notice.tsx';
import { Fact } from '../../components/facts.tsx';
import { Page, PageLoading, When } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import {
  type AnalysisRun,
  formatCost,
  RUN_EVENTS,
  RunProgress,
  RunStatusBadge,
  withEvent,
} from './analysis-parts.tsx';
import { RunItems } from './run-items.tsx';
import { RunProposals } from './run-proposals.tsx';
import './analysis.css';

interface Snapshot {
  agent?: { name?: string; version?: number };
  task_definition?: { name?: string; version?: number };
  model?: { model?: string; provider?: { name?: string } };
}

/** One analysis run: progress live, its snapshot, items and proposals; start, cancel or re-run it. */
export default function AnalysisRunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const path = { params: { path: { id } } };
  const run = useApi(() => unwrap(api.GET('/api/v1/analysis/runs/{id}', { params: { path: { id } } })), [id]);
  const [live, setLive] = useState<AnalysisRun | null>(null);
  // Bumped when the run ends, so its items and proposals are read again.
  const [generation, setGeneration] = useState(0);
  useLiveEvents(RUN_EVENTS, (event) => {
    if (event.data.run_id !== id || !run.data) return;
    setLive((previous) => withEvent(previous ?? (run.data as AnalysisRun), event));
    if (event.type !== 'analysis-run-progress') {
      void run.reload().then(() => setLive(null));
      setGeneration((value) => value + 1);
    }
  });
  const act = useAction(async (verb: 'start' | 'cancel' | 'rerun') => {
    if (verb === 'rerun') {
      const created = await unwrap(api.POST('/api/v1/analysis/runs/{id}/rerun', path));
      navigate(`/analysis/runs/${created.id}`);
      return;
    }
    if (verb === 'start') await unwrap(api.POST('/api/v1/analysis/runs/{id}/start', path));
    else await unwrap(api.POST('/api/v1/analysis/runs/{id}/cancel', path));
    setLive(null);
    await run.reload();
    setGeneration((value) => value + 1);
  });
  const data = live ?? run.data;
  if (!data) {
    return (
      <PageLoading title="Analysis run" error={run.error} loading={run.loading} what="Loading the run" />
    );
  }
  const snapshot = data.config_snapshot as Snapshot;
  const ended = ['completed', 'failed', 'cancelled'].includes(data.status);
  return (
    <Page
      title={`Analysis run: ${snapshot.task_definition?.name ?? 'run'}`}
      actions={
        <>
          {data.status === 'pending' ? (
            <button
              type="button"
              className="primary"
              disabled={act.pending}
              onClick={() => void act.run('start')}
            >
              Start
            </button>
          ) : null}
          {ended ? null : (
            <button
              type="button"
              className="danger"
              disabled={act.pending}
              onClick={() => void act.run('cancel')}
            >
              Cancel run
            </button>
          )}
          <button type="button" disabled={act.pending} onClick={() => void act.run('rerun')}>
            Re-run
          </button>
        </>
      }
    >
      <p>
        <Link to="/analysis">← Analysis runs</Link>
      </p>
      <ErrorNotice error={act.error} />
      <ErrorNotice error={run.error} />
      <section className="card" aria-labelledby="run-summary">
        <h2 id="run-summary">
          Status{' '}
          <span aria-live="polite" data-testid="run-status">
            <RunStatusBadge status={data.status} />
          </span>
        </h2>
        <div aria-live="polite">
          <RunProgress run={data} />
        </div>
        <RecordedError error={data.error} />
        <dl className="facts">
          <Fact term="Agent">
            <Link to={`/agents/${data.agent_id}`}>{snapshot.agent?.name ?? data.agent_id}</Link> (version{' '}
            {snapshot.agent?.version ?? '?'})
          </Fact>
          <Fact term="Task definition">
            {snapshot.task_definition?.name} (version {snapshot.task_definition?.version ?? '?'})
          </Fact>
          <Fact term="Model">
            {snapshot.model?.model ?? '—'} <span className="muted">{snapshot.model?.provider?.name}</span>
          </Fact>
          <Fact term="Tokens" testId="run-tokens">
            {data.llm_tokens_used}
          </Fact>
          <Fact term="Cost">{formatCost(data.cost_estimate)}</Fact>
          <Fact term="Duration">
            {data.timings.duration_ms === null ? '—' : `${data.timings.duration_ms} ms`}
            {data.timings.mean_item_latency_ms === null
              ? ''
              : ` (mean item ${data.timings.mean_item_latency_ms} ms, max ${data.timings.max_item_latency_ms} ms)`}
          </Fact>
          <Fact term="Proposals">
            {data.proposals_total}: {data.proposals_pending} pending, {data.proposals_approved} approved,{' '}
            {data.proposals_rejected} rejected
          </Fact>
          <Fact term="Created">
            <When at={data.created_at} />
          </Fact>
          <Fact term="Started">
            <When at={data.started_at} />
          </Fact>
          <Fact term="Ended">
            <When at={data.completed_at} />
          </Fact>
          {data.rerun_of ? (
            <Fact term="Re-run of">
              <Link to={`/analysis/runs/${data.rerun_of}`}>
                <code>{data.rerun_of}</code>
              </Link>
            </Fact>
          ) : null}
        </dl>
      </section>
      <RunProposals runId={id} generation={generation} onReviewed={() => void run.reload()} />
      <RunItems runId={id} generation={generation} />
    </Page>
  );
}
