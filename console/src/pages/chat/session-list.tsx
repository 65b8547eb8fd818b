import { memo } from 'react';
import { api, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';

const SHOWN = 50;

/** The agent's conversations, most recently active first; `version` changes after each turn. */
export const SessionList = memo(function SessionList({
  agentId,
  sessionId,
  version,
}: {
  agentId: string;
  sessionId: string | null;
  version: number;
}) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: version: loaded again after each turn
  const sessions = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/sessions', {
          params: { query: { agent_id: agentId, limit: SHOWN, sort_by: 'last_activity' } },
        }),
      ),
    [agentId, version],
  );
  return (
    <nav className="chat-sessions card" aria-label="Conversations">
      <div className="chat-sessions-header">
        <h2>Conversations</h2>
        <Link
          to={`/chat?agent=${encodeURIComponent(agentId)}`}
          className="button"
          aria-current={sessionId ? undefined : 'page'}
        >
          New conversation
        </Link>
      </div>
      <ErrorNotice error={sessions.error} />
      {sessions.loading && !sessions.data ? <Loading what="Loading conversations" /> : null}
      {sessions.data && sessions.data.items.length === 0 ? <Empty>No conversation yet.</Empty> : null}
      <ul>
        {sessions.data?.items.map((session) => (
          <li key={session.id}>
            <Link
              to={`/chat?agent=${encodeURIComponent(agentId)}&session=${encodeURIComponent(session.id)}`}
              aria-current={session.id === sessionId ? 'page' : undefined}
            >
              <span className="chat-session-title">{session.title ?? 'Untitled conversation'}</span>
              <small className="muted">
                {session.message_count} messages · <When at={session.last_activity} />
              </small>
            </Link>
          </li>
        ))}
      </ul>
      {sessions.data && sessions.data.total > SHOWN ? (
        <p className="muted">
          The {SHOWN} most recent of {sessions.data.total}.
        </p>
      ) : null}
    </nav>
  );
});
