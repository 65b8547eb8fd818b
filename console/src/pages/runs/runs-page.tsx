import { api, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Page, When } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { loadAgentNames } from './agent-names.ts';
import {
  formatCost,
  formatDuration,
  formatTokens,
  RUN_STATUSES,
  RUN_TRIGGERS,
  statusTone,
} from './run-format.ts';
import './runs.css';
import { LoadedItems } from '../../components/loaded-items.tsx';

const PAGE_SIZE = 25;

const oneOf = <T extends string>(values: readonly T[], value: string | null) =>
  values.includes(value as T) ? (value as T) : undefined;

/** Every run of the organization, newest first, filtered by agent, status and trigger (kept in the URL). */
export default function RunsPage({ query }: PageProps) {
  const agentId = query.get('agent_id') || undefined;
  const status = oneOf(RUN_STATUSES, query.get('status'));
  const trigger = oneOf(RUN_TRIGGERS, query.get('trigger'));
  const filters = { agent_id: agentId, status, trigger };
  const page = Math.max(1, Number(query.get('page')) || 1);
  const agents = useApi(loadAgentNames, []);
  const runs = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/runs', {
          params: {
            query: { agent_id: agentId, status, trigger, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
          },
        }),
      ),
    [agentId, status, trigger, page],
  );
  const setFilter = (changed: Record<string, string | undefined>) =>
    replaceQuery({ ...filters, ...changed, page: undefined });
  const agentName = (id: string) => agents.data?.find((agent) => agent.id === id)?.name ?? id.slice(0, 8);
  const pages = Math.max(1, Math.ceil((runs.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Page title="Runs">
      <form
        className="toolbar runs-filters"
        aria-label="Filter runs"
        onSubmit={(event) => event.preventDefault()}
      >
        <SelectField
          label="Agent"
          name="agent_id"
          value={filters.agent_id ?? ''}
          onChange={(event) => setFilter({ agent_id: event.target.value })}
          options={[
            { value: '', label: 'All agents' },
            ...(agents.data ?? []).map((agent) => ({ value: agent.id, label: agent.name })),
          ]}
        />
        <SelectField
          label="Status"
          name="status"
          value={filters.status ?? ''}
          onChange={(event) => setFilter({ status: event.target.value })}
          options={[
            { value: '', label: 'Any status' },
            ...RUN_STATUSES.map((value) => ({ value, label: value })),
          ]}
        />
        <SelectField
          label="Trigger"
          name="trigger"
          value={filters.trigger ?? ''}
          onChange={(event) => setFilter({ trigger: event.target.value })}
          options={[
            { value: '', label: 'Any trigger' },
            ...RUN_TRIGGERS.map((value) => ({ value, label: value })),
          ]}
        />
      </form>
      <ErrorNotice error={agents.error} />
      <ErrorNotice error={runs.error} />
      <LoadedItems loaded={runs} loading="Loading runs" empty="No runs match these filters.">
        {(found) => (
          <>
            <div className="table-scroll">
              <table aria-label="Runs" aria-busy={runs.loading}>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Status</th>
                    <th scope="col">Trigger</th>
                    <th scope="col">Model</th>
                    <th scope="col" className="numeric">
                      Tokens
                    </th>
                    <th scope="col" className="numeric">
                      Cost
                    </th>
                    <th scope="col" className="numeric">
                      Duration
                    </th>
                    <th scope="col">Started</th>
                  </tr>
                </thead>
                <tbody>
                  {found.items.map((run) => (
                    <tr key={run.id}>
                      <td>
                        <Link to={`/runs/${run.id}`}>{agentName(run.agent_id)}</Link>
                      </td>
                      <td>
                        <span className={statusTone(run.status)}>{run.status}</span>
                      </td>
                      <td>{run.trigger}</td>
                      <td>{run.model ?? <span className="muted">—</span>}</td>
                      <td className="numeric">{formatTokens(run.usage.total_tokens)}</td>
                      <td className="numeric">{formatCost(run.cost_estimate)}</td>
                      <td className="numeric">{formatDuration(run.duration_ms)}</td>
                      <td>
                        <When at={run.started_at} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav className="pager" aria-label="Pages of runs">
              <button
                type="button"
                disabled={page <= 1}
                onClick={() => replaceQuery({ ...filters, page: String(page - 1) })}
              >
                Previous
              </button>
              <span aria-live="polite">
                Page {page} of {pages} · {found.total} runs
              </span>
              <button
                type="button"
                disabled={page >= pages}
                onClick={() => replaceQuery({ ...filters, page: String(page + 1) })}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </LoadedItems>
    </Page>
  );
}
