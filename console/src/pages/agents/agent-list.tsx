import { useEffect } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import { VirtualList } from '../../components/virtual-list.tsx';
import { Link } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import type { Agent } from './agent-draft.ts';
import { AgentFilterBar, filtersFromQuery } from './agent-filters.tsx';
import { StatusBadge } from './status-badge.tsx';
import { useAgentPages } from './use-agent-pages.ts';
import './agents.css';

const MORE = 'more' as const;
type Row = Agent | typeof MORE;

/** `/agents`: every agent of the organization, filtered by the API, rendered as a virtual list. */
export default function AgentListPage({ query }: PageProps) {
  const filters = filtersFromQuery(query);
  const { agents, total, loading, error, hasMore, loadMore, reload } = useAgentPages(filters);
  const rows: Row[] = hasMore ? [...agents, MORE] : agents;
  return (
    <Page
      title="Agents"
      actions={
        <Link className="button primary" to="/agents/new">
          New agent
        </Link>
      }
    >
      <AgentFilterBar filters={filters} />
      <ErrorNotice error={error} />
      {error ? (
        <button type="button" onClick={reload}>
          Try again
        </button>
      ) : null}
      <p className="agent-count muted" aria-live="polite" data-testid="agent-count">
        {loading && agents.length === 0 ? '' : `${agents.length} of ${total} agents shown`}
      </p>
      {loading && agents.length === 0 ? (
        <Loading what="Loading the agents" />
      ) : total === 0 && !error ? (
        <Empty>
          No agents match. <Link to="/agents/new">Create one</Link>.
        </Empty>
      ) : (
        <VirtualList
          items={rows}
          estimateSize={64}
          label="Agents"
          className="virtual-list agent-list"
          itemKey={(row) => (row === MORE ? MORE : row.id)}
          renderItem={(row) => (row === MORE ? <MoreRow onShown={loadMore} /> : <AgentRow agent={row} />)}
        />
      )}
    </Page>
  );
}

function AgentRow({ agent }: { agent: Agent }) {
  return (
    <Link className="agent-row" to={`/agents/${agent.id}`}>
      <span className="agent-row-name">
        <strong>{agent.name}</strong>
        <span className="muted agent-row-description">{agent.description ?? ''}</span>
      </span>
      <span className="agent-row-meta">
        <StatusBadge status={agent.status} />
        <span>{agent.kind}</span>
        <span className="muted">{agent.model ?? 'default model'}</span>
        <span className="muted">v{agent.version}</span>
        <span className="muted agent-row-updated">
          <When at={agent.updated_at} />
        </span>
      </span>
    </Link>
  );
}

/** The list's last row: mounted only when scrolled into view, it asks for the next page. */
function MoreRow({ onShown }: { onShown: () => void }) {
  useEffect(() => onShown(), [onShown]);
  return <p className="agent-row muted">Loading more agents…</p>;
}
