import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Empty, Loading, Page } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { Composer } from './composer.tsx';
import type { Message } from './message-row.tsx';
import { MessageSearch } from './message-search.tsx';
import { MessageView } from './message-view.tsx';
import { SessionList } from './session-list.tsx';
import { type LiveTurn, useStreamTurn } from './stream-turn.ts';
import './chat.css';

const PAGE = 200;
// A longer session shows its newest messages only: the rest stay a search away.
const MAX_SHOWN = 5_000;

/** A session's messages, oldest first: the API's pages of 200, fetched side by side. */
async function loadMessages(sessionId: string) {
  const path = { id: sessionId };
  const first = await withTotal(
    api.GET('/api/v1/sessions/{id}/messages', { params: { path, query: { limit: PAGE, offset: 0 } } }),
  );
  if (first.total <= PAGE) return { messages: first.items, total: first.total, hidden: 0 };
  const from = Math.max(0, first.total - MAX_SHOWN);
  const offsets: number[] = [];
  for (let offset = from === 0 ? PAGE : from; offset < first.total; offset += PAGE) offsets.push(offset);
  const pages = await Promise.all(
    offsets.map((offset) =>
      unwrap(api.GET('/api/v1/sessions/{id}/messages', { params: { path, query: { limit: PAGE, offset } } })),
    ),
  );
  return {
    messages: [...(from === 0 ? first.items : []), ...pages.flat()],
    total: first.total,
    hidden: from,
  };
}

const announcement = (turn: LiveTurn | null) =>
  !turn
    ? ''
    : turn.status === 'completed'
      ? 'The answer is complete.'
      : turn.status === 'stopped'
        ? 'Stopped: the answer was not saved.'
        : turn.status === 'failed'
          ? `The turn failed: ${turn.error?.message ?? ''}`
          : 'The agent is answering…';

export default function ChatPage({ query }: PageProps) {
  const agents = useApi(() => unwrap(api.GET('/api/v1/agents', { params: { query: { limit: 100 } } })), []);
  const agentId = query.get('agent') ?? agents.data?.[0]?.id ?? null;
  const sessionId = query.get('session');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!query.get('agent') && agentId) replaceQuery({ agent: agentId });
  }, [query, agentId]);

  const onCompleted = useCallback((turn: LiveTurn) => {
    setVersion((v) => v + 1);
    if (turn.sessionId && turn.startedIn === null)
      replaceQuery({ agent: turn.agentId, session: turn.sessionId });
  }, []);
  const { turn, send, stop, clear } = useStreamTurn(onCompleted);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version: loaded again after each turn
  const loaded = useApi(
    async () => (sessionId ? loadMessages(sessionId) : { messages: [], total: 0, hidden: 0 }),
    [sessionId, version],
  );
  const [edited, setEdited] = useState<Record<string, Message>>({});
  const onChanged = useCallback(
    (message: Message) => setEdited((all) => ({ ...all, [message.id]: message })),
    [],
  );
  const messages = useMemo(
    () => (loaded.data?.messages ?? []).map((message) => edited[message.id] ?? message),
    [loaded.data, edited],
  );

  const live = turn && (turn.startedIn === sessionId || turn.sessionId === sessionId) ? turn : null;
  useEffect(() => {
    if (turn && turn.status !== 'streaming' && turn.startedIn !== sessionId && turn.sessionId !== sessionId)
      clear();
  }, [turn, sessionId, clear]);

  const streaming = turn?.status === 'streaming';
  const last = messages.at(-1);
  const suggestions =
    !streaming && last?.role === 'assistant' && Array.isArray(last.metadata.suggestions)
      ? (last.metadata.suggestions as unknown[]).filter((s): s is string => typeof s === 'string')
      : [];
  const sendText = (text: string) => {
    if (agentId) void send(agentId, sessionId, text);
  };

  if (agents.error)
    return (
      <Page title="Chat">
        <ErrorNotice error={agents.error} />
      </Page>
    );
  if (!agents.data)
    return (
      <Page title="Chat">
        <Loading what="Loading agents" />
      </Page>
    );
  if (agents.data.length === 0)
    return (
      <Page title="Chat">
        <Empty>
          No agent to talk to yet. <Link to="/agents">Create an agent</Link> first.
        </Empty>
      </Page>
    );

  return (
    <Page
      title="Chat"
      actions={
        <SelectField
          label="Agent"
          name="agent"
          value={agentId ?? ''}
          options={agents.data.map((agent) => ({ value: agent.id, label: agent.name }))}
          onChange={(event) => replaceQuery({ agent: event.target.value })}
        />
      }
    >
      <div className="chat-layout">
        {agentId ? <SessionList agentId={agentId} sessionId={sessionId} version={version} /> : null}
        <section className="chat-main" aria-label="Conversation">
          <ErrorNotice error={loaded.error} />
          {loaded.data && loaded.data.hidden > 0 ? (
            <p className="muted">
              The newest {MAX_SHOWN} of {loaded.data.total} messages are shown; search finds the older ones.
            </p>
          ) : null}
          {loaded.loading && !loaded.data ? <Loading what="Loading messages" /> : null}
          {!sessionId && !live ? <Empty>A new conversation: write the first message below.</Empty> : null}
          {loaded.data ? (
            <MessageView key={sessionId ?? 'new'} messages={messages} live={live} onChanged={onChanged} />
          ) : null}
          {live?.error ? <ErrorNotice error={live.error} /> : null}
          <output className="chat-status" aria-live="polite">
            {announcement(live)}
          </output>
          {suggestions.length > 0 ? (
            <fieldset className="chat-suggestions">
              <legend>Suggested follow-ups</legend>
              {suggestions.map((suggestion) => (
                <button key={suggestion} type="button" onClick={() => sendText(suggestion)}>
                  {suggestion}
                </button>
              ))}
            </fieldset>
          ) : null}
          <Composer streaming={streaming} disabled={!agentId} onSend={sendText} onStop={stop} />
          {agentId ? (
            <MessageSearch key={`${agentId}/${sessionId}`} agentId={agentId} sessionId={sessionId} />
          ) : null}
        </section>
      </div>
    </Page>
  );
}
