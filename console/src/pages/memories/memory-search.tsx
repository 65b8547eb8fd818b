import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextField } from '../../components/fields.tsx';
import { Empty } from '../../components/page.tsx';
import { MemoryScope } from './memory-row.tsx';

type SearchResult = Schema<'MemorySearchResult'>;

const figure = (value: number | null) => (value === null ? '—' : value.toFixed(3));

/** What a turn would recall for a message, with each memory's score and the parts it is made of. */
export function MemorySearch({ agentId }: { agentId: string }) {
  const [query, setQuery] = useState('');
  const [userId, setUserId] = useState('');
  const [sessionId, setSessionId] = useState('');
  const [result, setResult] = useState<SearchResult | null>(null);
  const search = useAction(async () => {
    const answer = await unwrap(
      api.POST('/api/v1/agents/{id}/memories/search', {
        params: { path: { id: agentId } },
        body: { query, user_id: userId || undefined, session_id: sessionId || undefined },
      }),
    );
    setResult(answer);
  });

  return (
    <section className="card" aria-labelledby="memory-search-title">
      <h2 id="memory-search-title">Search as a turn would recall</h2>
      <form
        className="toolbar"
        aria-label="Search memories"
        onSubmit={(event) => {
          event.preventDefault();
          void search.run();
        }}
      >
        <TextField
          label="Message"
          name="query"
          error={search.error}
          value={query}
          required
          onChange={(event) => setQuery(event.target.value)}
        />
        <TextField
          label="End user (optional)"
          name="user_id"
          error={search.error}
          value={userId}
          onChange={(event) => setUserId(event.target.value)}
        />
        <TextField
          label="Session (optional)"
          name="session_id"
          error={search.error}
          value={sessionId}
          onChange={(event) => setSessionId(event.target.value)}
        />
        <button type="submit" className="primary" disabled={search.pending}>
          Search memories
        </button>
      </form>
      <ErrorNotice error={search.error} />
      {result ? (
        <div aria-live="polite">
          <p className="muted">
            Weights: recency {result.weights.alpha_recency}, relevance {result.weights.alpha_semantic},
            reinforcement {result.weights.alpha_reinforcement} · retrieval {result.retrieval_mode}
          </p>
          {result.memories.length === 0 ? (
            <Empty>No memory matches this message.</Empty>
          ) : (
            <div className="table-scroll">
              <table data-testid="memory-search-results">
                <caption className="muted">Scores of “{result.query}”, best first</caption>
                <ColumnHeads
                  columns={[
                    'Memory',
                    'Scope',
                    'Score',
                    'Recency',
                    'Relevance (text / vector)',
                    'Reinforcement',
                  ]}
                />
                <tbody>
                  {result.memories.map((memory) => (
                    <tr key={memory.id}>
                      <td className="memory-content">{memory.content}</td>
                      <td>
                        <MemoryScope memory={memory} />
                      </td>
                      <td>
                        <strong>{figure(memory.score)}</strong>
                      </td>
                      <td>{figure(memory.components.recency)}</td>
                      <td>
                        {figure(memory.components.relevance)}{' '}
                        <span className="muted">
                          ({figure(memory.components.text_relevance)} /{' '}
                          {figure(memory.components.vector_similarity)})
                        </span>
                      </td>
                      <td>{figure(memory.components.reinforcement)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      ) : null}
    </section>
  );
}
