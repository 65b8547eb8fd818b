import { useEffect, useRef } from 'react';
import { Markdown } from '../../components/markdown.tsx';
import { VirtualList } from '../../components/virtual-list.tsx';
import { type Message, MessageRow, ToolCalls } from './message-row.tsx';
import type { LiveTurn } from './stream-turn.ts';

type Row = { kind: 'stored'; message: Message } | { kind: 'live-user' | 'live-answer'; turn: LiveTurn };

const rowKey = (row: Row) => (row.kind === 'stored' ? row.message.id : row.kind);

/**
 * The conversation, oldest first, the turn being written last. Only the rows in view are in the
 * page (VirtualList); it starts at the bottom and follows a growing answer while the reader stays
 * at the bottom (scrolling up to read stops following).
 */
export function MessageView({
  messages,
  live,
  onChanged,
}: {
  messages: Message[];
  live: LiveTurn | null;
  onChanged: (message: Message) => void;
}) {
  const rows: Row[] = messages.map((message) => ({ kind: 'stored', message }));
  // Once the stored messages hold the turn's answer, the live copy steps aside.
  const stored = live?.answerId ? messages.some((message) => message.id === live.answerId) : false;
  if (live && !stored) rows.push({ kind: 'live-user', turn: live }, { kind: 'live-answer', turn: live });

  const frame = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  useEffect(() => {
    const scroller = frame.current?.querySelector<HTMLElement>('.chat-messages');
    const canvas = scroller?.querySelector('.virtual-list-canvas');
    if (!scroller || !canvas) return;
    const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    const onScroll = () => {
      following.current = atBottom();
    };
    // Rows are measured after they render: keep to the bottom as the list's height settles or grows.
    const observer = new ResizeObserver(() => {
      if (following.current) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(canvas);
    scroller.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      scroller.removeEventListener('scroll', onScroll);
    };
  }, []);

  return (
    <div ref={frame} className="chat-messages-frame">
      <VirtualList
        items={rows}
        estimateSize={96}
        itemKey={rowKey}
        label="Messages"
        className="virtual-list chat-messages"
        stickToBottom
        renderItem={(row) =>
          row.kind === 'stored' ? (
            <MessageRow message={row.message} onChanged={onChanged} />
          ) : row.kind === 'live-user' ? (
            <article className="chat-message chat-message-user">
              <header className="chat-message-role">You</header>
              <Markdown text={row.turn.message} />
            </article>
          ) : (
            <LiveAnswer turn={row.turn} />
          )
        }
      />
    </div>
  );
}

function LiveAnswer({ turn }: { turn: LiveTurn }) {
  return (
    <article className="chat-message chat-message-assistant" aria-busy={turn.status === 'streaming'}>
      <header className="chat-message-role">
        Agent
        {turn.status === 'streaming' ? <span className="muted"> writing…</span> : null}
        {turn.status === 'stopped' ? <span className="badge warn">stopped, not saved</span> : null}
        {turn.status === 'failed' ? <span className="badge bad">failed</span> : null}
      </header>
      <ToolCalls calls={turn.toolCalls} live />
      <div data-testid="streaming-answer">
        <Markdown text={turn.answer} />
      </div>
    </article>
  );
}
