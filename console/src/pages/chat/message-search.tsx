import type { Schema } from '@agentry/client';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';

type Message = Schema<'Message'>;
interface Hit {
  message: Message;
  sessionTitle: string | null;
}

// The API searches one session at a time (GET /sessions/{id}/messages?search=): across the agent,
// its most recently active sessions are searched side by side.
const AGENT_SESSIONS = 50;
const HITS_PER_SESSION = 5;

async function searchSession(sessionId: string, query: string, limit: number): Promise<Message[]> {
  return unwrap(
    api.GET('/api/v1/sessions/{id}/messages', {
      params: { path: { id: sessionId }, query: { search: query, limit } },
    }),
  );
}

async function searchAgent(agentId: string, query: string): Promise<Hit[]> {
  const sessions = await unwrap(
    api.GET('/api/v1/sessions', { params: { query: { agent_id: agentId, limit: AGENT_SESSIONS } } }),
  );
  const found = await Promise.all(
    sessions.map(async (session) =>
      (await searchSession(session.id, query, HITS_PER_SESSION)).map((message) => ({
        message,
        sessionTitle: session.title,
      })),
    ),
  );
  return found.flat();
}

/** Full-text search of messages (words, "a phrase", or, -word), in this conversation or the agent's. */
export function MessageSearch({ agentId, sessionId }: { agentId: string; sessionId: string | null }) {
  const [query, setQuery] = useState('');
  const [scope, setScope] = useState<'session' | 'agent'>(sessionId ? 'session' : 'agent');
  const [hits, setHits] = useState<Hit[] | null>(null);
  const search = useAction(async (text: string, where: 'session' | 'agent') => {
    const found =
      where === 'session' && sessionId
        ? (await searchSession(sessionId, text, 50)).map((message) => ({ message, sessionTitle: null }))
        : await searchAgent(agentId, text);
    setHits(found);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (query.trim()) void search.run(query.trim(), scope);
  };
  return (
    <section className="chat-search card" aria-labelledby="chat-search-title">
      <h2 id="chat-search-title">Search messages</h2>
      <form className="chat-search-form" onSubmit={submit}>
        <label>
          Words to find
          <input
            type="search"
            name="search"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
        </label>
        <label>
          In
          <select value={scope} onChange={(event) => setScope(event.target.value as 'session' | 'agent')}>
            {sessionId ? <option value="session">This conversation</option> : null}
            <option value="agent">This agent’s {AGENT_SESSIONS} latest conversations</option>
          </select>
        </label>
        <button type="submit" disabled={search.pending}>
          Search
        </button>
      </form>
      <ErrorNotice error={search.error} />
      <div aria-live="polite">
        {hits && hits.length === 0 ? <Empty>No message matches.</Empty> : null}
        {hits && hits.length > 0 ? (
          <ul className="chat-search-results">
            {hits.map(({ message, sessionTitle }) => (
              <li key={message.id}>
                <Link
                  to={`/chat?agent=${encodeURIComponent(agentId)}&session=${encodeURIComponent(message.session_id)}`}
                >
                  {sessionTitle ?? (message.session_id === sessionId ? 'This conversation' : 'Conversation')}
                </Link>{' '}
                <small className="muted">
                  {message.role} · <When at={message.created_at} />
                </small>
                <p className="chat-search-snippet">{message.content.slice(0, 240)}</p>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </section>
  );
}
