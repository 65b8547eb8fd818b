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

export interface AnthropicStubOptions {
  /** When set, every request must carry `x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Ids listed by `GET /v1/models`. */
  models?: string[];
}

/** An Anthropic Messages API server: messages (plain and streamed) and models. */
export interface AnthropicStub {
  /** The origin, as `@anthropic-ai/sdk` takes its `baseURL` (it appends `/v1/...`). */
  url: string;
  /** The origin plus `/v1`, as `@ai-sdk/anthropic` takes its `baseURL`. */
  v1Url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests whose client disconnected before the response finished. */
  readonly abortedRequests: number;
  /** Replies for the next messages requests, one each, before the script applies again. */
  enqueue(...replies: StubReply[]): void;
  /** The next `count` messages requests answer `status` with an Anthropic error body. */
  failNext(count: number, status: number): void;
  /** Answers messages requests when the queue is empty; without an argument restores the echo. */
  setScript(script?: StubScript): void;
  /** Empties the queue, restores the echo and forgets recorded requests and aborts. */
  reset(): void;
  close(): Promise<void>;
}

type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

interface AssistantMessage {
  id: string;
  model: string;
  content: ContentBlock[];
  stopReason: StopReason;
  inputTokens: number;
  outputTokens: number;
}

type ErrorReply = Extract<StubReply, { type: 'error' }>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export async function startAnthropicStub(options: AnthropicStubOptions = {}): Promise<AnthropicStub> {
  const models = options.models ?? ['claude-stub'];
  const replies = createReplyQueue(echoScript);

  const server = await startStubServer(async (exchange) => {
    const { request, response } = exchange;
    if (options.apiKey !== undefined && presentedKey(request) !== options.apiKey) {
      return sendAnthropicError(response, { type: 'error', status: 401, message: 'invalid x-api-key' });
    }
    if (!request.headers['anthropic-version']) {
      const message = 'anthropic-version: header is required';
      return sendAnthropicError(response, { type: 'error', status: 400, message });
    }
    const route = `${request.method} ${request.path}`;
    if (route === 'GET /v1/models') return sendJson(response, 200, modelList(models));
    if (route !== 'POST /v1/messages') {
      return sendAnthropicError(response, { type: 'error', status: 404, message: `Not found: ${route}` });
    }
    if (hasMalformedBody(request)) {
      return sendAnthropicError(response, { type: 'error', status: 400, message: 'Invalid JSON body.' });
    }
    if (typeof asRecord(request.body).max_tokens !== 'number') {
      return sendAnthropicError(response, {
        type: 'error',
        status: 400,
        message: 'max_tokens: Field required',
      });
    }
    return answerMessage(exchange, replies.next(request));
  });

  return {
    url: server.origin,
    v1Url: `${server.origin}/v1`,
    port: server.port,
    requests: server.requests,
    get abortedRequests() {
      return server.abortedRequests;
    },
    enqueue: replies.enqueue,
    failNext: replies.failNext,
    setScript: replies.setScript,
    reset() {
      replies.clear();
      server.resetRecords();
    },
    close: server.close,
  };
}

/** `@ai-sdk/anthropic` sends `x-api-key`; recent `@anthropic-ai/sdk` versions send a bearer token. */
function presentedKey(request: RecordedRequest): string | undefined {
  return request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '');
}

async function answerMessage(exchange: StubExchange, reply: StubReply): Promise<void> {
  if (reply.type === 'hang') return waitForDisconnect(exchange.signal);
  if (reply.type === 'error') return sendAnthropicError(exchange.response, reply);
  const body = asRecord(exchange.request.body);
  const message = assistantMessage(reply, body);
  const headers = { 'request-id': randomId('req_') };
  if (body.stream === true) return deliverEventStream(exchange, messageEvents(message), reply, headers);
  return deliverJson(exchange, messageBody(message), reply, headers);
}

function assistantMessage(
  reply: Exclude<StubReply, ErrorReply | { type: 'hang' }>,
  body: Record<string, unknown>,
): AssistantMessage {
  const content: ContentBlock[] = reply.text ? [{ type: 'text', text: reply.text }] : [];
  if (reply.type === 'tool-calls') {
    for (const call of reply.toolCalls) {
      content.push({
        type: 'tool_use',
        id: call.id ?? randomId('toolu_'),
        name: call.name,
        input: call.arguments,
      });
    }
  }
  const stopReason: StopReason =
    reply.type === 'tool-calls' ? 'tool_use' : reply.truncated ? 'max_tokens' : 'end_turn';
  const prompt = JSON.stringify([body.system ?? '', body.messages ?? []]);
  return {
    id: randomId('msg_'),
    model: typeof body.model === 'string' ? body.model : 'unknown',
    content,
    stopReason,
    inputTokens: reply.usage?.inputTokens ?? estimateTokens(prompt),
    outputTokens: reply.usage?.outputTokens ?? estimateTokens(JSON.stringify(content)),
  };
}

function messageBody(message: AssistantMessage) {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.content,
    stop_reason: message.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: message.inputTokens,
      output_tokens: message.outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

/** The event sequence Anthropic streams: message_start, ping, one start/deltas/stop per block, message_delta, message_stop. */
function messageEvents(message: AssistantMessage): ServerSentEvent[] {
  const event = (type: string, fields: Record<string, unknown> = {}): ServerSentEvent => ({
    event: type,
    data: JSON.stringify({ type, ...fields }),
  });
  // message_start reports the input tokens; output tokens arrive with message_delta.
  const complete = messageBody(message);
  const started = {
    ...complete,
    content: [],
    stop_reason: null,
    usage: { ...complete.usage, output_tokens: 1 },
  };
  const events = [event('message_start', { message: started }), event('ping')];
  for (const [index, block] of message.content.entries()) {
    if (block.type === 'text') {
      events.push(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const text of splitText(block.text)) {
        events.push(event('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      }
    } else {
      const opening = { type: 'tool_use', id: block.id, name: block.name, input: {} };
      events.push(event('content_block_start', { index, content_block: opening }));
      for (const partial_json of ['', ...splitJson(JSON.stringify(block.input))]) {
        events.push(
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
        );
      }
    }
    events.push(event('content_block_stop', { index }));
  }
  events.push(
    event('message_delta', {
      delta: { stop_reason: message.stopReason, stop_sequence: null },
      usage: { output_tokens: message.outputTokens },
    }),
    event('message_stop'),
  );
  return events;
}

/** Anthropic's error body `{type: 'error', error: {type, message}}`; 429 carries `retry-after`. */
function sendAnthropicError(response: ServerResponse, reply: ErrorReply): void {
  const errorType =
    reply.errorType ??
    ERROR_TYPES[reply.status] ??
    (reply.status >= 500 ? 'api_error' : 'invalid_request_error');
  const retryAfter = reply.retryAfterSeconds ?? (reply.status === 429 ? 1 : undefined);
  sendJson(
    response,
    reply.status,
    {
      type: 'error',
      error: { type: errorType, message: reply.message ?? `Stub ${errorType} (${reply.status}).` },
    },
    {
      'request-id': randomId('req_'),
      ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
    },
  );
}

function modelList(models: string[]) {
  const data = models.map((id) => ({
    type: 'model',
    id,
    display_name: id,
    created_at: '2025-01-01T00:00:00Z',
  }));
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}
