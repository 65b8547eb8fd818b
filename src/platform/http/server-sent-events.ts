import type { FastifyReply } from 'fastify';

/** A comment line every so often keeps proxies from closing a quiet stream (a long tool call). */
const KEEP_ALIVE_MS = 15_000;

/**
 * Aborted when the client disconnects before the response is complete: the turn stops its model
 * call and ends cancelled. A response that finished normally also closes, but never aborts.
 */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export interface EventStream {
  readonly opened: boolean;
  /** Writes one Server-Sent Event (`event: <name>`, `data: <json>`), opening the stream first. */
  send(name: string, data: unknown): void;
  /**
   * Writes an event without a name (`data: <json>`, or a one-line string such as `[DONE]` as it
   * is), as OpenAI's streams do: their clients treat a named event differently.
   */
  sendData(data: unknown): void;
  end(): void;
}

/**
 * A Server-Sent Events response on Fastify's raw reply. It opens lazily, at the first event, so
 * that a request refused before anything happened still gets the standard JSON error body.
 */
export function eventStream(reply: FastifyReply): EventStream {
  const raw = reply.raw;
  let opened = false;
  let keepAlive: NodeJS.Timeout | undefined;
  const writable = () => !raw.writableEnded && !raw.destroyed;
  // The headers are not flushed on their own: they leave with the first event.
  const write = (chunk: string) => {
    if (writable()) raw.write(chunk);
  };

  function open() {
    opened = true;
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    keepAlive = setInterval(() => {
      if (writable()) raw.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    keepAlive.unref();
  }

  return {
    get opened() {
      return opened;
    },
    send(name, data) {
      if (!opened) open();
      write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    sendData(data) {
      if (!opened) open();
      write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    },
    end() {
      clearInterval(keepAlive);
      if (opened && writable()) raw.end();
    },
  };
}
