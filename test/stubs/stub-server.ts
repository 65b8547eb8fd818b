import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A request as a stub received it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
  rawBody: string;
}

export interface StubToolCall {
  name: string;
  arguments: Record<string, unknown>;
  /** Generated in the provider's format when omitted. */
  id?: string;
}

export interface StubUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface StubPacing {
  /** Pause between stream events; a non-streaming reply waits it once before answering. */
  chunkDelayMs?: number;
  /** Destroy the socket after this many stream events; a non-streaming reply is cut before answering. */
  breakAfterChunks?: number;
}

/** What a stub answers to one completion request, independent of the provider's wire format. */
export type StubReply =
  | ({ type: 'text'; text: string; truncated?: boolean; usage?: StubUsage } & StubPacing)
  | ({ type: 'tool-calls'; toolCalls: StubToolCall[]; text?: string; usage?: StubUsage } & StubPacing)
  | {
      type: 'error';
      status: number;
      message?: string;
      errorType?: string;
      code?: string;
      retryAfterSeconds?: number;
    }
  /** Never answers; the request ends only when the client gives up or the stub closes. */
  | { type: 'hang' };

export type StubScript = (request: RecordedRequest) => StubReply;

/** Queued replies are consumed one per completion request; the script answers when the queue is empty. */
export function createReplyQueue(defaultScript: StubScript) {
  const queued: StubReply[] = [];
  let script = defaultScript;
  return {
    enqueue(...replies: StubReply[]): void {
      queued.push(...replies);
    },
    failNext(count: number, status: number): void {
      for (let index = 0; index < count; index += 1) queued.push({ type: 'error', status });
    },
    /** Replaces the default behaviour; without an argument restores the echo script. */
    setScript(next?: StubScript): void {
      script = next ?? defaultScript;
    },
    clear(): void {
      queued.length = 0;
      script = defaultScript;
    },
    next(request: RecordedRequest): StubReply {
      return queued.shift() ?? script(request);
    },
  };
}

export type ReplyQueue = ReturnType<typeof createReplyQueue>;

export interface StubExchange {
  request: RecordedRequest;
  response: ServerResponse;
  /** Aborted when the connection closes before the response has finished. */
  signal: AbortSignal;
  /** Destroys the connection as a crashing upstream would; not counted as a client abort. */
  breakConnection(): void;
}

export interface StubServer {
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests whose client disconnected before the response finished. */
  readonly abortedRequests: number;
  resetRecords(): void;
  /** Destroys open (keep-alive, streaming, hanging) connections and stops listening. */
  close(): Promise<void>;
}

/** Listens on a random local port and hands every request, already recorded, to `handle`. */
export async function startStubServer(
  handle: (exchange: StubExchange) => Promise<void>,
): Promise<StubServer> {
  const requests: RecordedRequest[] = [];
  let abortedRequests = 0;
  let closing: Promise<void> | undefined;

  const server = createServer(async (incoming, response) => {
    const controller = new AbortController();
    let brokenByStub = false;
    response.on('close', () => {
      if (response.writableFinished) return;
      controller.abort();
      if (!brokenByStub && !closing) abortedRequests += 1;
    });
    const request = await recordRequest(incoming).catch(() => undefined);
    if (!request) return; // the client went away while sending its body
    requests.push(request);
    const breakConnection = () => {
      brokenByStub = true;
      response.destroy();
    };
    try {
      await handle({ request, response, signal: controller.signal, breakConnection });
    } catch (error) {
      if (response.headersSent) breakConnection();
      else sendJson(response, 500, { error: { message: `stub failure: ${String(error)}` } });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    get abortedRequests() {
      return abortedRequests;
    },
    resetRecords() {
      requests.length = 0;
      abortedRequests = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function recordRequest(incoming: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const url = new URL(incoming.url ?? '/', 'http://stub.invalid');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: parseJson(rawBody),
    rawBody,
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  response.end(payload);
}

/** Answers a non-streaming reply, honouring its delay and break. */
export async function deliverJson(
  exchange: StubExchange,
  body: unknown,
  pacing: StubPacing,
  headers: OutgoingHttpHeaders = {},
): Promise<void> {
  if (pacing.chunkDelayMs && !(await pause(pacing.chunkDelayMs, exchange.signal))) return;
  if (pacing.breakAfterChunks !== undefined) return exchange.breakConnection();
  sendJson(exchange.response, 200, body, headers);
}

export interface ServerSentEvent {
  /** The `event:` field; OpenAI sends none, Anthropic names every event. */
  event?: string;
  data: string;
}

/** Streams the events as `text/event-stream`, honouring the reply's delay and break. */
export async function deliverEventStream(
  exchange: StubExchange,
  events: ServerSentEvent[],
  pacing: StubPacing,
  headers: OutgoingHttpHeaders = {},
): Promise<void> {
  const { response, signal } = exchange;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  response.flushHeaders();
  for (const [index, event] of events.entries()) {
    if (pacing.breakAfterChunks !== undefined && index >= pacing.breakAfterChunks) {
      return exchange.breakConnection();
    }
    if (index > 0 && pacing.chunkDelayMs && !(await pause(pacing.chunkDelayMs, signal))) return;
    if (signal.aborted) return;
    const frame = `${event.event ? `event: ${event.event}\n` : ''}data: ${event.data}\n\n`;
    // Waiting for the flush makes a later break cut the stream after exactly these events.
    await new Promise<void>((resolve) => response.write(frame, () => resolve()));
  }
  response.end();
}

/** Resolves false instead of waiting on when the request is aborted. */
async function pause(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(milliseconds, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Holds a request open until its client disconnects or the stub closes. */
export async function waitForDisconnect(signal: AbortSignal): Promise<void> {
  if (!signal.aborted) await once(signal, 'abort');
}

/** Splits after whitespace, so a sentence streams as several word-sized deltas. */
export function splitText(text: string): string[] {
  return text.split(/(?<=\s)/).filter((piece) => piece !== '');
}

/** Cuts serialized tool arguments into fragments, as providers stream them. */
export function splitJson(json: string, fragmentLength = 8): string[] {
  const fragments: string[] = [];
  for (let start = 0; start < json.length; start += fragmentLength) {
    fragments.push(json.slice(start, start + fragmentLength));
  }
  return fragments;
}

/** The usual four-characters-per-token estimate: deterministic, good enough for usage figures. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A request with a body that is not a JSON object is malformed for both providers. */
export function hasMalformedBody(request: RecordedRequest): boolean {
  return request.method === 'POST' && (request.body === undefined || Array.isArray(request.body));
}

/** The default reply text: what the last user message said, and which model was asked. */
export function echoText(userText: string, model: string): string {
  return `Echo: ${userText} [${model}]`;
}

/** Answers with `echoText` for the request's model and last user message (OpenAI and Anthropic shape). */
export const echoScript: StubScript = (request) => {
  const body = asRecord(request.body);
  const model = typeof body.model === 'string' ? body.model : 'unknown';
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const lastUser = messages.map(asRecord).findLast((message) => message.role === 'user');
  return { type: 'text', text: echoText(contentText(lastUser?.content), model) };
};

/** Message content as text: a string, or the text parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map(asRecord)
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('');
}
