import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';
import { percentile } from './load.ts';

/**
 * How a turn's response is read and judged. autocannon cannot see inside a streamed body, so turns
 * (Agentry's and the stub's alike) go through this small load generator instead: one undici
 * connection per simulated client, each sending its next request as soon as the last one was read.
 */
export type Protocol =
  /** `POST /agents/{id}/execute`: the execution result as JSON. */
  | 'agentry-json'
  /** Agentry's Server-Sent Events: run-started, text-delta…, run-completed (or run-failed). */
  | 'agentry-sse'
  /** `POST /v1/chat/completions`: a chat.completion. */
  | 'openai-json'
  /** `POST /v1/chat/completions` with `stream: true`: chat.completion.chunk events, then [DONE]. */
  | 'openai-sse';

export const isStreamed = (protocol: Protocol) => protocol.endsWith('-sse');

export interface TurnCall {
  path: string;
  body: string;
}

export interface TurnOutcome {
  ok: boolean;
  /** HTTP status; 0 when the request failed before a response (connection error, timeout). */
  status: number;
  /** Request written to the whole body read, ms. */
  latencyMs: number;
  /** To the first token (first `text-delta` event, or first chunk with content), ms; NaN when not streamed. */
  ttftMs: number;
  failure?: string;
  /** Agentry's execution result: the JSON body, or the data of `run-completed`. */
  result?: Record<string, any>;
}

/** Timeouts well above any expected turn: a hung request is reported as failed, not waited on forever. */
const REQUEST_TIMEOUT_MS = 30_000;

export function openClient(origin: string): Client {
  return new Client(origin, {
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 60_000,
  });
}

/** Sends one turn and reads its whole answer, noting when the first token arrived. */
export async function sendTurn(
  client: Client,
  protocol: Protocol,
  headers: Record<string, string>,
  call: TurnCall,
): Promise<TurnOutcome> {
  const started = performance.now();
  const failed = (status: number, failure: string): TurnOutcome => ({
    ok: false,
    status,
    latencyMs: performance.now() - started,
    ttftMs: Number.NaN,
    failure,
  });
  try {
    const { statusCode, body } = await client.request({
      method: 'POST',
      path: call.path,
      headers,
      body: call.body,
    });
    if (statusCode < 200 || statusCode >= 300) {
      return failed(statusCode, `HTTP ${statusCode}: ${(await body.text()).slice(0, 300)}`);
    }
    if (!isStreamed(protocol)) {
      const json = (await body.json()) as Record<string, any>;
      const latencyMs = performance.now() - started;
      const content = protocol === 'agentry-json' ? json.content : json.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || content === '') {
        return failed(statusCode, `no answer in ${JSON.stringify(json).slice(0, 300)}`);
      }
      return { ok: true, status: statusCode, latencyMs, ttftMs: Number.NaN, result: json };
    }
    body.setEncoding('utf8');
    const reader = sseReader(protocol);
    for await (const chunk of body) reader.push(chunk as string, performance.now());
    const latencyMs = performance.now() - started;
    const verdict = reader.verdict();
    if (verdict.failure) return failed(statusCode, verdict.failure);
    return {
      ok: true,
      status: statusCode,
      latencyMs,
      ttftMs: reader.firstTokenAt() - started,
      ...(verdict.result ? { result: verdict.result } : {}),
    };
  } catch (error) {
    return failed(0, `${(error as Error).name}: ${(error as Error).message}`);
  }
}

/** Reads Server-Sent Events as they arrive: when the first token came, and how the stream ended. */
function sseReader(protocol: Protocol) {
  let buffered = '';
  let firstTokenAt = Number.NaN;
  let completed: Record<string, any> | undefined;
  let runFailed: string | undefined;
  let done = false;

  function handle(block: string, at: number) {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trimStart();
    }
    if (protocol === 'agentry-sse') {
      if (event === 'text-delta' && Number.isNaN(firstTokenAt)) firstTokenAt = at;
      else if (event === 'run-completed') completed = JSON.parse(data);
      else if (event === 'run-failed') runFailed = data;
      return;
    }
    if (data === '[DONE]') {
      done = true;
      return;
    }
    if (Number.isNaN(firstTokenAt) && data) {
      const content = JSON.parse(data).choices?.[0]?.delta?.content;
      if (typeof content === 'string' && content !== '') firstTokenAt = at;
    }
  }

  return {
    push(text: string, at: number) {
      buffered += text;
      for (let boundary = buffered.indexOf('\n\n'); boundary >= 0; boundary = buffered.indexOf('\n\n')) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        handle(block, at);
      }
    },
    firstTokenAt: () => firstTokenAt,
    verdict(): { failure?: string; result?: Record<string, any> } {
      if (runFailed) return { failure: `run-failed ${runFailed.slice(0, 300)}` };
      if (Number.isNaN(firstTokenAt)) return { failure: 'the stream carried no token' };
      if (protocol === 'agentry-sse') {
        return completed ? { result: completed } : { failure: 'the stream ended without run-completed' };
      }
      return done ? {} : { failure: 'the stream ended without [DONE]' };
    },
  };
}

export interface TurnLoadSpec {
  origin: string;
  connections: number;
  /** Each connection sends turns until this many seconds have passed (in-flight turns then finish)... */
  durationSeconds?: number;
  /** ... or the connections share exactly this many turns. */
  turns?: number;
  headers: Record<string, string>;
  protocol: Protocol;
  /** The request of a connection's next turn; `sequence` counts the connection's turns from 0. */
  callFor(connection: number, sequence: number): TurnCall;
}

export interface TurnMeasurement {
  connections: number;
  /** Successful turns per second of the run. */
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Time to first token of successful streamed turns; NaN when not streamed. */
  ttftP50Ms: number;
  ttftP99Ms: number;
  ok: number;
  /** Non-2xx answers, broken streams and connection errors. */
  failed: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** The first few failures, as they were seen. */
  failureSamples: string[];
  /** Latencies of the successful turns in the order they completed (for one connection: the turn order). */
  latencies: number[];
}

const MAX_FAILURE_SAMPLES = 5;
/** After a connection error, a short pause keeps a dead server from spinning the loop. */
const ERROR_PAUSE_MS = 10;

export async function runTurnLoad(spec: TurnLoadSpec): Promise<TurnMeasurement> {
  const clients = Array.from({ length: spec.connections }, () => openClient(spec.origin));
  const latencies: number[] = [];
  const ttfts: number[] = [];
  const statusCodes: Record<string, number> = {};
  const failureSamples: string[] = [];
  let ok = 0;
  let failed = 0;
  let errors = 0;
  let issued = 0;

  const started = performance.now();
  const deadline =
    spec.durationSeconds === undefined ? Number.POSITIVE_INFINITY : started + spec.durationSeconds * 1000;
  const more = () => performance.now() < deadline && (spec.turns === undefined || issued < spec.turns);

  async function connection(index: number, client: Client) {
    for (let sequence = 0; more(); sequence++) {
      issued++;
      const outcome = await sendTurn(client, spec.protocol, spec.headers, spec.callFor(index, sequence));
      const code = String(outcome.status);
      statusCodes[code] = (statusCodes[code] ?? 0) + 1;
      if (outcome.ok) {
        ok++;
        latencies.push(outcome.latencyMs);
        if (!Number.isNaN(outcome.ttftMs)) ttfts.push(outcome.ttftMs);
        continue;
      }
      failed++;
      if (failureSamples.length < MAX_FAILURE_SAMPLES) failureSamples.push(outcome.failure ?? 'failed');
      if (outcome.status === 0) {
        errors++;
        await sleep(ERROR_PAUSE_MS);
      }
    }
  }

  try {
    await Promise.all(clients.map((client, index) => connection(index, client)));
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const sortedTtft = Float64Array.from(ttfts).sort();
  return {
    connections: spec.connections,
    turnsPerSecond: ok / elapsedSeconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ttftP50Ms: percentile(sortedTtft, 0.5),
    ttftP99Ms: percentile(sortedTtft, 0.99),
    ok,
    failed,
    errors,
    statusCodes,
    failureSamples,
    latencies,
  };
}
