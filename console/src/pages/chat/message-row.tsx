import type { Schema } from '@agentry/client';
import { memo } from 'react';
import { Markdown } from '../../components/markdown.tsx';
import { Link } from '../../router.tsx';
import { FeedbackControls } from './feedback.tsx';
import type { ToolCallView } from './stream-turn.ts';

export type Message = Schema<'Message'>;

const ROLE_LABEL: Record<string, string> = {
  user: 'You',
  assistant: 'Agent',
  system: 'System',
  tool: 'Tool',
};

/** A stored tool call, whatever the provider's shape (docs/conversations.md: "any provider's format"). */
function toolCallOf(raw: Record<string, unknown>, index: number): ToolCallView {
  const fn = (raw.function ?? {}) as Record<string, unknown>;
  return {
    id: String(raw.id ?? index),
    name: String(raw.name ?? fn.name ?? 'tool'),
    input: raw.input ?? raw.arguments ?? fn.arguments,
    output: raw.output ?? raw.result,
    success: typeof raw.success === 'boolean' ? raw.success : undefined,
  };
}

const json = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/**
 * Tool calls, collapsed. A stored message keeps the calls (name, input) but not their results,
 * which its run records: the run is linked instead.
 */
export function ToolCalls({
  calls,
  runId,
  live = false,
}: {
  calls: ToolCallView[];
  runId?: string;
  live?: boolean;
}) {
  if (calls.length === 0) return null;
  return (
    <div className="tool-calls">
      {calls.map((call) => (
        <details key={call.id} className="tool-call">
          <summary>
            Tool <code>{call.name}</code>
            {call.success === false ? <span className="badge bad">failed</span> : null}
            {call.success === undefined && call.output === undefined ? (
              <span className="muted"> running…</span>
            ) : null}
          </summary>
          <h4>Input</h4>
          <pre>{json(call.input ?? {})}</pre>
          {call.output !== undefined ? (
            <>
              <h4>Result</h4>
              <pre>{json(call.output)}</pre>
            </>
          ) : !live && runId ? (
            <p>
              Its result is recorded on <Link to={`/runs/${encodeURIComponent(runId)}`}>the run</Link>.
            </p>
          ) : null}
        </details>
      ))}
    </div>
  );
}

/** One message of the conversation; memoized so a streaming answer re-renders only itself. */
export const MessageRow = memo(function MessageRow({
  message,
  onChanged,
}: {
  message: Message;
  onChanged: (message: Message) => void;
}) {
  return (
    <article className={`chat-message chat-message-${message.role}`} data-message-id={message.id}>
      <header className="chat-message-role">{ROLE_LABEL[message.role] ?? message.role}</header>
      <ToolCalls
        calls={(message.tool_calls ?? []).map(toolCallOf)}
        runId={typeof message.metadata.run_id === 'string' ? message.metadata.run_id : undefined}
      />
      <Markdown text={message.content} />
      {message.role === 'assistant' ? <FeedbackControls message={message} onChanged={onChanged} /> : null}
    </article>
  );
});
