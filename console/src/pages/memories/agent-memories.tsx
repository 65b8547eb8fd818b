import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField, TextField } from '../../components/fields.tsx';
import { Page } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { AddMemoryForm, ForgetUserForm } from './memory-forms.tsx';
import { MemoryRow } from './memory-row.tsx';
import { MemorySearch } from './memory-search.tsx';
import './memories.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { LoadedItems } from '../../components/loaded-items.tsx';

const PAGE_SIZE = 50;
const FILTERS = ['scope', 'user_id', 'session_id', 'kind', 'search'] as const;
type Filter = (typeof FILTERS)[number];
type Scope = 'agent' | 'user' | 'thread';

/** An agent's memories: the API's filters (kept in the URL), add, edit, delete, search and forget a user. */
export default function AgentMemoriesPage({ params, query }: PageProps) {
  const agentId = params.id as string;
  const applied = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Record<
    Filter,
    string
  >;
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [draft, setDraft] = useState(applied);

  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  const memories = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/agents/{id}/memories', {
          params: {
            path: { id: agentId },
            query: {
              scope: (applied.scope || undefined) as Scope | undefined,
              user_id: applied.user_id || undefined,
              session_id: applied.session_id || undefined,
              kind: applied.kind || undefined,
              search: applied.search || undefined,
              limit: PAGE_SIZE,
              offset,
            },
          },
        }),
      ),
    [agentId, applied.scope, applied.user_id, applied.session_id, applied.kind, applied.search, offset],
  );
  useLiveEvents(['memories-stored'], (event) => {
    if (event.data.agent_id === agentId) void memories.reload();
  });

  const name = agent.data?.name || 'the agent';
  const setFilter = (filter: Filter, value: string) =>
    setDraft((previous) => ({ ...previous, [filter]: value }));
  const goTo = (nextOffset: number) =>
    replaceQuery({ ...applied, offset: nextOffset ? String(nextOffset) : undefined });
  const total = memories.data?.total ?? 0;

  return (
    <Page title={`Memories of ${name}`} actions={<Link to={`/agents/${agentId}`}>← Back to the agent</Link>}>
      <ErrorNotice error={agent.error} />
      <section className="card" aria-labelledby="memory-list-title">
        <h2 id="memory-list-title">Memories</h2>
        <form
          className="toolbar"
          aria-label="Filter memories"
          onSubmit={(event) => {
            event.preventDefault();
            replaceQuery(draft);
          }}
        >
          <SelectField
            label="Scope"
            name="scope"
            value={draft.scope}
            options={[
              { value: '', label: 'Any' },
              { value: 'agent', label: 'Agent' },
              { value: 'user', label: 'End user' },
              { value: 'thread', label: 'Session' },
            ]}
            onChange={(event) => setFilter('scope', event.target.value)}
          />
          <TextField
            label="End user"
            name="user_id"
            value={draft.user_id}
            onChange={(event) => setFilter('user_id', event.target.value)}
          />
          <TextField
            label="Session"
            name="session_id"
            value={draft.session_id}
            onChange={(event) => setFilter('session_id', event.target.value)}
          />
          <TextField
            label="Kind"
            name="kind"
            value={draft.kind}
            onChange={(event) => setFilter('kind', event.target.value)}
          />
          <TextField
            label="Words"
            name="search"
            type="search"
            value={draft.search}
            onChange={(event) => setFilter('search', event.target.value)}
          />
          <button type="submit">Filter</button>
        </form>
        <ErrorNotice error={memories.error} />
        <LoadedItems loaded={memories} loading="Loading memories" empty="No memory matches.">
          {(page) => (
            <>
              <div className="table-scroll">
                <table data-testid="memory-list">
                  <ColumnHeads
                    columns={['Scope', 'Kind', 'Content', 'Reinforcement', 'Last accessed', 'Actions']}
                  />
                  <tbody>
                    {page.items.map((memory) => (
                      <MemoryRow key={memory.id} memory={memory} onChanged={() => void memories.reload()} />
                    ))}
                  </tbody>
                </table>
              </div>
              <nav className="pager" aria-label="Pages of memories">
                <span className="muted">
                  {offset + 1}–{offset + page.items.length} of {total}
                </span>
                <button
                  type="button"
                  disabled={offset === 0}
                  onClick={() => goTo(Math.max(0, offset - PAGE_SIZE))}
                >
                  Previous
                </button>
                <button
                  type="button"
                  disabled={offset + PAGE_SIZE >= total}
                  onClick={() => goTo(offset + PAGE_SIZE)}
                >
                  Next
                </button>
              </nav>
            </>
          )}
        </LoadedItems>
      </section>
      <MemorySearch agentId={agentId} />
      <AddMemoryForm agentId={agentId} onAdded={() => void memories.reload()} />
      <ForgetUserForm agentId={agentId} onForgotten={() => void memories.reload()} />
    </Page>
  );
}
