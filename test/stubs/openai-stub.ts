import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  asRecord,
  createReplyQueue,
  deliverEventStream,
  deliverJson,
  echoScript,
  estimateTokens,
  hasMalformedBody,
  type RecordedRequest,
  randomId,
  type ServerSentEvent,
  type StubExchange,
  type StubReply,
  type StubScript,
  sendJson,
  splitJson,
  splitText,
  startStubServer,
  waitForDisconnect,
} from './stub-server.ts';

export interface OpenAiStubOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
  /** Length of embedding vectors when the request names no `dimensions`. */
  embeddingDimensions?: number;
}

/** An OpenAI-compatible server: chat completions (plain and streamed), models and embeddings. */
export interface OpenAiStub {
  /** Base URL ending in `/v1`, as the `openai` client and `@ai-sdk/openai` take it. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests whose client disconnected before the response finished. */
  readonly abortedRequests: number;
  /** Replies for the next chat completions, one each, before the script applies again. */
  enqueue(...replies: StubReply[]): void;
  /** The next `count` chat completions answer `status` with an OpenAI error body. */
  failNext(count: number, status: number): void;
  /** The next `count` model lists (`GET /v1/models`) answer `status` with an OpenAI error body. */
  failNextModelLists(count: number, status: number): void;
  /** The next `count` model lists never answer: each ends only when its client goes away. */
  holdNextModelLists(count: number): void;
  /** Answers chat completions when the queue is empty; without an argument restores the echo. */
  setScript(script?: StubScript): void;
  /** Empties the queue, restores the echo and forgets recorded requests and aborts. */
  reset(): void;
  close(): Promise<void>;
}

type FinishReason = 'stop' | 'tool_calls' | 'length';

interface AssistantTurn {
  id: string;
  model: string;
  text: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: FinishReason;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

type ErrorReply = Extract<StubReply, { type: 'error' }>;

/** A fixed creation time keeps responses deterministic. */
const CREATED = 1_700_000_000;
const SYSTEM_FINGERPRINT = 'fp_stub';

export async function startOpenAiStub(options: OpenAiStubOptions = {}): Promise<OpenAiStub> {
  const models = options.models ?? ['gpt-stub', 'gpt-stub-mini'];
  const embeddingDimensions = options.embeddingDimensions ?? 16;
  const replies = createReplyQueue(echoScript);
  const modelListFailures: number[] = [];
  let heldModelLists = 0;

  const server = await startStubServer(async (exchange) => {
    const { request, response } = exchange;
    const authorization = request.headers.authorization;
    if (options.apiKey !== undefined && authorization !== `Bearer ${options.apiKey}`) {
      return sendOpenAiError(response, authorization ? invalidApiKey : missingApiKey);
    }
    const route = `${request.method} ${request.path}`;
    if (route === 'GET /v1/models') {
      if (heldModelLists > 0) {
        heldModelLists -= 1;
        return waitForDisconnect(exchange.signal);
      }
      const failure = modelListFailures.shift();
      if (failure !== undefined) return sendOpenAiError(response, { type: 'error', status: failure });
      return sendJson(response, 200, modelList(models));
    }
    if (route !== 'POST /v1/chat/completions' && route !== 'POST /v1/embeddings') {
      return sendOpenAiError(response, { type: 'error', status: 404, message: `Invalid URL (${route})` });
    }
    if (hasMalformedBody(request)) {
      const message = 'We could not parse the JSON body of your request.';
      return sendOpenAiError(response, { type: 'error', status: 400, message });
    }
    if (route === 'POST /v1/embeddings') {
      return sendJson(response, 200, embeddingList(asRecord(request.body), embeddingDimensions));
    }
    return answerChatCompletion(exchange, replies.next(request));
  });

  return {
    url: `${server.origin}/v1`,
    port: server.port,
    requests: server.requests,
    get abortedRequests() {
      return server.abortedRequests;
    },
    enqueue: replies.enqueue,
    failNext: replies.failNext,
    failNextModelLists(count, status) {
      for (let index = 0; index < count; index += 1) modelListFailures.push(status);
    },
    holdNextModelLists(count) {
      heldModelLists += count;
    },
    setScript: replies.setScript,
    reset() {
      replies.clear();
      modelListFailures.length = 0;
      heldModelLists = 0;
      server.resetRecords();
    },
    close: server.close,
  };
}

async function answerChatCompletion(exchange: StubExchange, reply: StubReply): Promise<void> {
  if (reply.type === 'hang') return waitForDisconnect(exchange.signal);
  if (reply.type === 'error') return sendOpenAiError(exchange.response, reply);
  const body = asRecord(exchange.request.body);
  const turn = assistantTurn(reply, body);
  const headers = { 'x-request-id': randomId('req_') };
  if (body.stream === true) {
    const includeUsage = asRecord(body.stream_options).include_usage === true;
    return deliverEventStream(exchange, completionChunks(turn, includeUsage), reply, headers);
  }
  return deliverJson(exchange, completion(turn), reply, headers);
}

function assistantTurn(
  reply: Exclude<StubReply, ErrorReply | { type: 'hang' }>,
  body: Record<string, unknown>,
) {
  const toolCalls =
    reply.type === 'tool-calls'
      ? reply.toolCalls.map((call) => ({
          id: call.id ?? randomId('call_'),
          name: call.name,
          arguments: JSON.stringify(call.arguments),
        }))
      : [];
  const text = reply.text ?? null;
  const finishReason: FinishReason =
    reply.type === 'tool-calls' ? 'tool_calls' : reply.truncated ? 'length' : 'stop';
  const promptTokens = reply.usage?.inputTokens ?? estimateTokens(JSON.stringify(body.messages ?? []));
  const completionTokens =
    reply.usage?.outputTokens ??
    estimateTokens((text ?? '') + toolCalls.map((call) => call.arguments).join(''));
  return {
    id: randomId('chatcmpl-'),
    model: typeof body.model === 'string' ? body.model : 'unknown',
    text,
    toolCalls,
    finishReason,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  } satisfies AssistantTurn;
}

function completion(turn: AssistantTurn) {
  const toolCalls = turn.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: turn.id,
    object: 'chat.completion',
    created: CREATED,
    model: turn.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: turn.text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: turn.finishReason,
      },
    ],
    usage: turn.usage,
  };
}

/** The chunk sequence OpenAI sends: role, content deltas, tool call fragments, finish, usage, `[DONE]`. */
function completionChunks(turn: AssistantTurn, includeUsage: boolean): ServerSentEvent[] {
  const chunk = (choices: unknown[], usage: AssistantTurn['usage'] | null = null): ServerSentEvent => ({
    data: JSON.stringify({
      id: turn.id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: turn.model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices,
      // With include_usage every chunk carries `usage`, null until the last one.
      ...(includeUsage ? { usage } : {}),
    }),
  });
  const delta = (fields: Record<string, unknown>, finishReason: FinishReason | null = null) =>
    chunk([{ index: 0, delta: fields, logprobs: null, finish_reason: finishReason }]);

  const events = [delta({ role: 'assistant', content: turn.text === null ? null : '', refusal: null })];
  for (const piece of splitText(turn.text ?? '')) events.push(delta({ content: piece }));
  for (const [index, call] of turn.toolCalls.entries()) {
    const opening = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
    events.push(delta({ tool_calls: [opening] }));
    for (const fragment of splitJson(call.arguments)) {
      events.push(delta({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  }
  events.push(delta({}, turn.finishReason));
  if (includeUsage) events.push(chunk([], turn.usage));
  events.push({ data: '[DONE]' });
  return events;
}

const missingApiKey: ErrorReply = {
  type: 'error',
  status: 401,
  message: "You didn't provide an API key. You need to provide your API key in an Authorization header.",
};
const invalidApiKey: ErrorReply = {
  type: 'error',
  status: 401,
  message: 'Incorrect API key provided.',
  code: 'invalid_api_key',
};

/** OpenAI's error body `{error: {message, type, param, code}}`; 429 carries `retry-after`. */
function sendOpenAiError(response: ServerResponse, reply: ErrorReply): void {
  const rateLimited = reply.status === 429;
  const defaultType = rateLimited
    ? 'requests'
    : reply.status >= 500
      ? 'server_error'
      : 'invalid_request_error';
  const defaultMessage = rateLimited
    ? 'Rate limit reached for requests.'
    : reply.status >= 500
      ? 'The server had an error while processing your request.'
      : `Request failed with status ${reply.status}.`;
  const retryAfter = reply.retryAfterSeconds ?? (rateLimited ? 1 : undefined);
  sendJson(
    response,
    reply.status,
    {
      error: {
        message: reply.message ?? defaultMessage,
        type: reply.errorType ?? defaultType,
        param: null,
        code: reply.code ?? (rateLimited ? 'rate_limit_exceeded' : null),
      },
    },
    {
      'x-request-id': randomId('req_'),
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    },
  );
}

function modelList(models: string[]) {
  return {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'agentry-stub' })),
  };
}

function embeddingList(body: Record<string, unknown>, defaultDimensions: number) {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : defaultDimensions;
  const texts = inputs.map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
  const data = texts.map((text, index) => {
    const vector = bagOfWordsEmbedding(text, dimensions);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = texts.reduce((total, text) => total + estimateTokens(text), 0);
  return {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** Buckets each word adds to: with two, words that collide in one bucket still differ in the other. */
const BUCKETS_PER_WORD = 2;

/**
 * A hashed bag of words, as a unit vector: each word (lowercased, a plural "s" dropped) adds ±1 to
 * two buckets chosen by its hash, so texts sharing words are closer in cosine distance than texts
 * that share none, and equal texts embed equally. A text without words gets a vector derived from
 * a hash of the whole text (never the zero vector, whose cosine distance is undefined).
 */
export function bagOfWordsEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const stem = word.length > 3 && /[^s]s$/.test(word) ? word.slice(0, -1) : word;
    const digest = createHash('sha256').update(stem).digest();
    for (let bucket = 0; bucket < BUCKETS_PER_WORD; bucket += 1) {
      const index = digest.readUInt32BE(bucket * 4) % dimensions;
      vector[index] = (vector[index] ?? 0) + ((digest[16 + bucket] ?? 0) & 1 ? 1 : -1);
    }
  }
  if (vector.every((value) => value === 0)) return hashedEmbedding(text, dimensions);
  const length = Math.hypot(...vector);
  return vector.map((value) => value / length);
}

/** A unit vector derived from a hash of the text. */
function hashedEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let digest = Buffer.alloc(0);
  for (let index = 0; index < dimensions; index += 1) {
    if (index % 32 === 0) digest = createHash('sha256').update(`${text}#${index}`).digest();
    vector[index] = (digest[index % 32] ?? 0) / 127.5 - 1;
  }
  const length = Math.hypot(...vector) || 1;
  return vector.map((value) => value / length);
}
