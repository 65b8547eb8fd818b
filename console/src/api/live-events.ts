import { useEffect, useRef } from 'react';
import { readServerSentEvents } from './sse.ts';
import { accessToken, onSessionChange } from './tokens.ts';

/** An organization event (docs/events.md). */
export interface LiveEvent {
  id: string;
  type: string;
  organization_id: string;
  data: Record<string, unknown>;
  at: string;
}

type Listener = (event: LiveEvent) => void;

/**
 * One stream of the organization's events for the whole console, shared by every page that
 * listens: an organization may hold only a few streams open (EVENT_STREAMS_PER_ORGANIZATION).
 * It opens with the first listener, reconnects with backoff, and closes when none is left.
 */
const listeners = new Set<Listener>();
let connection: AbortController | null = null;

function connect() {
  const controller = new AbortController();
  connection = controller;
  let delay = 1_000;
  const run = async () => {
    while (!controller.signal.aborted) {
      const token = accessToken();
      if (token) {
        try {
          const response = await fetch('/api/v1/events', {
            headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
            signal: controller.signal,
          });
          if (response.ok) {
            delay = 1_000;
            await readServerSentEvents(
              response,
              ({ data }) => {
                const event = JSON.parse(data) as LiveEvent;
                for (const listener of listeners) listener(event);
              },
              controller.signal,
            );
          }
        } catch {
          // Dropped or refused: tried again below, unless it was closed on purpose.
        }
      }
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void run();
}

function disconnect() {
  connection?.abort();
  connection = null;
}

// A new person (or none) signed in: the stream must be theirs. A renewed token of the same person
// keeps the open stream (the server checks the token when the stream opens), losing no event.
let streamOwner: string | null = null;
onSessionChange((session) => {
  const owner = session ? session.user.id : null;
  if (owner === streamOwner) return;
  streamOwner = owner;
  disconnect();
  if (session && listeners.size > 0) connect();
});

// Moving from one page to the next drops the last listener a moment before the next page adds
// its own: the stream stays open a little while, so no event falls in between.
const LINGER_MS = 10_000;
let lingering: ReturnType<typeof setTimeout> | undefined;

export function subscribeToEvents(listener: Listener): () => void {
  listeners.add(listener);
  clearTimeout(lingering);
  if (!connection) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    clearTimeout(lingering);
    lingering = setTimeout(() => {
      if (listeners.size === 0) disconnect();
    }, LINGER_MS);
  };
}

/** Calls `onEvent` for each live event whose type is in `types` while the component is shown. */
export function useLiveEvents(types: readonly string[], onEvent: (event: LiveEvent) => void) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = types.join(',');
  useEffect(() => {
    const wanted = new Set(key.split(','));
    return subscribeToEvents((event) => {
      if (wanted.has(event.type)) handler.current(event);
    });
  }, [key]);
}
