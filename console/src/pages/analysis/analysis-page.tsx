import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { navigate, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { type AnalysisRun, RUN_EVENTS, withEvent } from './analysis-parts.tsx';
import { ComparisonPanel } from './comparison-panel.tsx';
import { NewRunForm } from './new-run-form.tsx';
import { RunTable } from './run-table.tsx';
import { TaskDefinitionsPanel } from './task-definitions-panel.tsx';
import './analysis.css';

const VIEWS = [
  { id: 'runs', label: 'Runs' },
  { id: 'comparisons', label: 'Comparisons' },
  { id: 'definitions', label: 'Task definitions' },
] as const;

/** Analysis runs (live), comparisons of two runs, and the task definitions they apply. */
export default function AnalysisPage({ query }: PageProps) {
  const view = query.get('view') ?? 'runs';
  const [creating, setCreating] = useState(false);
  const runs = useApi(
    () => withTotal(api.GET('/api/v1/analysis/runs', { params: { query: { limit: 100 } } })),
    [],
  );
  const assignments = useApi(
    () => unwrap(api.GET('/api/v1/assignments', { params: { query: { limit: 200 } } })),
    [],
  );
  // Progress events are laid over the list; a run that is new or ended is read again.
  const [live, setLive] = useState<Record<string, AnalysisRun>>({});
  useLiveEvents(RUN_EVENTS, (event) => {
    const runId = String(event.data.run_id);
    const known = live[runId] ?? runs.data?.items.find((run) => run.id === runId);
    if (known) setLive((previous) => ({ ...previous, [runId]: withEvent(previous[runId] ?? known, event) }));
    if (!known || event.type !== 'analysis-run-progress') void runs.reload().then(() => setLive({}));
  });
  const names = new Map((assignments.data ?? []).map((a) => [a.id, `${a.task_name} by ${a.agent_name}`]));
  const shown = (runs.data?.items ?? []).map((run) => live[run.id] ?? run);

  return (
    <Page
      title="Analysis"
      actions={
        view === 'runs' ? (
          <button
            type="button"
            className="primary"
            aria-expanded={creating}
            onClick={() => setCreating(!creating)}
          >
            New run
          </button>
        ) : undefined
      }
    >
      <div className="tabs" role="tablist" aria-label="Analysis views">
        {VIEWS.map((entry) => (
          <button
            key={entry.id}
            type="button"
            role="tab"
            aria-selected={view === entry.id}
            onClick={() => replaceQuery({ view: entry.id === 'runs' ? undefined : entry.id })}
          >
            {entry.label}
          </button>
        ))}
      </div>
      <ErrorNotice error={assignments.error} />
      {view === 'runs' ? (
        <>
          {creating && assignments.data ? (
            <NewRunForm
              assignments={assignments.data}
              onCreated={(run) => navigate(`/analysis/runs/${run.id}`)}
            />
          ) : null}
          <ErrorNotice error={runs.error} />
          {runs.data ? (
            <RunTable runs={shown} names={names} total={runs.data.total} />
          ) : runs.loading ? (
            <Loading what="Loading the runs" />
          ) : null}
        </>
      ) : null}
      {view === 'comparisons' ? (
        <ComparisonPanel
          runs={(runs.data?.items ?? []).filter((run) => run.status === 'completed')}
          names={names}
        />
      ) : null}
      {view === 'definitions' ? <TaskDefinitionsPanel /> : null}
    </Page>
  );
}
