import { useCallback, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { ApiError, asApiError } from '../../api/api-error.ts';
import { readServerSentEvents } from '../../api/sse.ts';
import { accessToken, refreshAccessToken } from '../../api/tokens.ts';

/** One tool call of a turn, as the stream reports it (`tool-call`, then its `tool-result`). */
export interface ToolCallView {
  id: string;
  name: string;
  input: unknown;
  output?: unknown;
  success?: boolean;
}

/** The turn being written: the user's message and the answer as far as it has streamed. */
export interface LiveTurn {
  agentId: string;
  message: string;
  answer: string;
  toolCalls: ToolCallView[];
  status: 'streaming' | 'completed' | 'failed' | 'stopped';
  /** The session the turn was sent in (null: a new one). */
  startedIn: string | null;
  /** The session it is stored in, once the stream names it. */
  sessionId: string | null;
  answerId: string | null;
  userMessageId: string | null;
  suggestions: string[];
  error: ApiError | null;
}

interface Completed {
  session_id: string;
  message_id: string;
  user_message_id?: string;
  content?: string;
  metadata?: { suggestions?: string[] };
}

async function openStream(agentId: string, body: object, signal: AbortSignal, retried = false) {
  const response = await fetch(`/api/v1/agents/${encodeURIComponent(agentId)}/execute/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken() ?? ''}` },
    body: JSON.stringify(body),
    signal,
  });
  if (response.ok) return response;
  const json = await response.json().catch(() => null);
  // An expired token is renewed once and the turn sent again (nothing ran: the refusal came first).
  if (response.status === 401 && json?.code === 'token_expired' && !retried && (await refreshAccessToken()))
    return openStream(agentId, body, signal, true);
  throw new ApiError(response.status, json, response.headers.get('x-request-id'));
}

/**
 * Sends a message to `/execute/stream` and keeps the answer as it streams. Each event is rendered
 * as it arrives (flushSync): React would otherwise merge a burst of tokens into one paint.
 */
export function useStreamTurn(onCompleted: (turn: LiveTurn) => void) {
  const [turn, setTurn] = useState<LiveTurn | null>(null);
  const controller = useRef<AbortController | null>(null);

  const update = useCallback((change: (turn: LiveTurn) => LiveTurn) => {
    flushSync(() => setTurn((current) => (current ? change(current) : current)));
  }, []);

  const send = useCallback(
    async (agentId: string, sessionId: string | null, message: string) => {
      const abort = new AbortController();
      controller.current = abort;
      let latest: LiveTurn = {
        agentId,
        message,
        answer: '',
        toolCalls: [],
        status: 'streaming',
        startedIn: sessionId,
        sessionId,
        answerId: null,
        userMessageId: null,
        suggestions: [],
        error: null,
      };
      setTurn(latest);
      const change = (next: (turn: LiveTurn) => LiveTurn) => {
        latest = next(latest);
        update(next);
      };
      try {
        const body = sessionId ? { message, session_id: sessionId } : { message };
        const response = await openStream(agentId, body, abort.signal);
        await readServerSentEvents(
          response,
          ({ event, data }) => {
            const payload = JSON.parse(data) as Record<string, unknown>;
            if (event === 'run-started')
              change((t) => ({ ...t, sessionId: (payload.session_id as string) ?? t.sessionId }));
            else if (event === 'text-delta')
              change((t) => ({ ...t, answer: t.answer + String(payload.text ?? '') }));
            else if (event === 'tool-call')
              change((t) => ({
                ...t,
                toolCalls: [
                  ...t.toolCalls,
                  { id: String(payload.id), name: String(payload.name), input: payload.input },
                ],
              }));
            else if (event === 'tool-result')
              change((t) => ({
                ...t,
                toolCalls: t.toolCalls.map((call) =>
                  call.id === payload.id
                    ? { ...call, output: payload.output, success: payload.success === true }
                    : call,
                ),
              }));
            else if (event === 'run-completed') {
              const done = payload as unknown as Completed;
              change((t) => ({
                ...t,
                status: 'completed',
                answer: done.content ?? t.answer,
                sessionId: done.session_id,
                answerId: done.message_id,
                userMessageId: done.user_message_id ?? null,
                suggestions: done.metadata?.suggestions ?? [],
              }));
            } else if (event === 'run-failed')
              change((t) => ({
                ...t,
                status: 'failed',
                error: new ApiError(502, payload as { code?: string; message?: string }, null),
              }));
          },
          abort.signal,
        );
        if (latest.status === 'streaming')
          change((t) =>
            abort.signal.aborted
              ? { ...t, status: 'stopped' }
              : {
                  ...t,
                  status: 'failed',
                  error: asApiError(new Error('the answer stopped before it was complete')),
                },
          );
      } catch (error) {
        if (abort.signal.aborted) change((t) => ({ ...t, status: 'stopped' }));
        else change((t) => ({ ...t, status: 'failed', error: asApiError(error) }));
      } finally {
        if (controller.current === abort) controller.current = null;
      }
      if (latest.status === 'completed') onCompleted(latest);
    },
    [update, onCompleted],
  );

  /** Closing the stream cancels the turn on the server (the run ends cancelled; nothing is stored). */
  const stop = useCallback(() => controller.current?.abort(), []);
  const clear = useCallback(() => setTurn(null), []);
  return { turn, send, stop, clear };
}
