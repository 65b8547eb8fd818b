import { randomBytes } from 'node:crypto';
import { slackSignatureHeaders } from '../../src/modules/channels/slack-signature.ts';
import {
  asRecord,
  type RecordedRequest,
  type StubExchange,
  sendJson,
  startStubServer,
} from '../stubs/stub-server.ts';

/** A message as the stub holds it: posted through chat.postMessage, or put there by a test. */
export interface SlackStubMessage {
  channel: string;
  ts: string;
  /** The thread root; absent for a message at the top of the channel. */
  thread_ts?: string;
  text: string;
  user: string;
  bot_id?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** What the next calls of a method answer instead of doing their work. */
export type SlackStubFailure =
  /** HTTP 429 with Retry-After and `{ok: false, error: 'ratelimited'}`, as Slack rate-limits. */
  | { kind: 'ratelimited'; retryAfterSeconds?: number }
  /** An HTTP error status (500, 503) with a plain body, as Slack's edge answers in an outage. */
  | { kind: 'http'; status: number }
  /** HTTP 200 with `{ok: false, error}`: how the Web API refuses a call. */
  | { kind: 'error'; error: string }
  /** The call takes effect, then the connection breaks before the answer: its outcome is unknown. */
  | { kind: 'lost' };

export interface SlackStub {
  /** The Web API base URL (`…/api/`), as `slackApiUrl` and a channel's `api_base_url` take it. */
  url: string;
  botToken: string;
  botUserId: string;
  botId: string;
  teamId: string;
  /** Every Web API call received, including refused ones. */
  requests: RecordedRequest[];
  /** Every message posted through chat.postMessage (and added by tests), in order. */
  messages: SlackStubMessage[];
  /** Messages posted by the bot into one conversation (and thread, when given). */
  posted(channel: string, threadTs?: string): SlackStubMessage[];
  /** The next `count` calls of `method` (chat.postMessage by default) answer `failure`. */
  failNext(count: number, failure: SlackStubFailure, method?: string): void;
  /** Puts a user's message in a conversation, as if posted in Slack. */
  addMessage(message: Omit<SlackStubMessage, 'ts'> & { ts?: string }): SlackStubMessage;
  /** Forgets messages, requests and pending failures. */
  reset(): void;
  close(): Promise<void>;
}

export interface SlackStubOptions {
  botToken?: string;
  botUserId?: string;
  /** When given, chat.postMessage to any other conversation answers channel_not_found. */
  channels?: string[];
}

type MethodResult = Record<string, unknown>;

let lastTs = 0n;

/**
 * A fresh Slack `ts` (seconds, a dot, six digits), unique and increasing across the stubs and the
 * events of this process, so that a reply is always later than the message it answers.
 */
export function slackTs(): string {
  const now = BigInt(Date.now()) * 1000n;
  lastTs = now > lastTs ? now : lastTs + 1n;
  return `${lastTs / 1_000_000n}.${String(lastTs % 1_000_000n).padStart(6, '0')}`;
}

const tsValue = (ts: string) => {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0');
};

/** Form fields (how @slack/web-api sends) or a JSON object (how Slack also accepts writes). */
function argumentsOf(request: RecordedRequest): Record<string, unknown> {
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) return asRecord(request.body);
  return Object.fromEntries(new URLSearchParams(request.rawBody));
}

/** A form field holding JSON (the client JSON-encodes objects) or the object itself (a JSON body). */
function objectArgument(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return typeof value === 'object' && value !== null ? asRecord(value) : null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? asRecord(parsed) : null;
  } catch {
    return null;
  }
}

const truthy = (value: unknown) => value === true || value === 'true' || value === '1';

/** One page of `items` after the `cursor` (an offset), with Slack's response_metadata. */
function page<T>(items: T[], args: Record<string, unknown>) {
  const limit = Math.min(Math.max(Number(args.limit) || 100, 1), 1000);
  const offset = Number(Buffer.from(String(args.cursor ?? ''), 'base64url').toString()) || 0;
  const slice = items.slice(offset, offset + limit);
  const nextOffset = offset + slice.length;
  const hasMore = nextOffset < items.length;
  return {
    slice,
    has_more: hasMore,
    response_metadata: { next_cursor: hasMore ? Buffer.from(String(nextOffset)).toString('base64url') : '' },
  };
}

/**
 * A Slack Web API server on loopback speaking the subset Agentry uses (chat.postMessage,
 * conversations.replies, conversations.history, auth.test) as @slack/web-api calls it: POST with
 * form-encoded or JSON arguments, a Bearer token, `{ok, ...}` answers. It keeps what is posted so
 * that tests can count replies, and can be told to fail the next calls as Slack does.
 */
export async function startSlackStub(options: SlackStubOptions = {}): Promise<SlackStub> {
  const botToken = options.botToken ?? `xoxb-stub-${randomBytes(6).toString('hex')}`;
  const botUserId = options.botUserId ?? 'U0AGENTRYBOT';
  const botId = 'B0AGENTRYBOT';
  const teamId = 'T0STUBTEAM';
  const knownChannels = options.channels ? new Set(options.channels) : null;
  const messages: SlackStubMessage[] = [];
  const failures = new Map<string, SlackStubFailure[]>();

  const view = (message: SlackStubMessage, withMetadata: boolean) => {
    const { channel: _channel, metadata, ...rest } = message;
    return { type: 'message', ...rest, ...(withMetadata && metadata ? { metadata } : {}) };
  };
  const after = (oldest: unknown) => (message: SlackStubMessage) =>
    typeof oldest !== 'string' || oldest === '' || tsValue(message.ts) > tsValue(oldest);

  const methods: Record<string, (args: Record<string, unknown>) => MethodResult> = {
    'auth.test': () => ({
      url: 'https://stub.slack.invalid/',
      team: 'Stub Team',
      user: 'agentry',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
    }),

    'chat.postMessage': (args) => {
      const channel = typeof args.channel === 'string' ? args.channel : '';
      const text = typeof args.text === 'string' ? args.text : '';
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (knownChannels && !knownChannels.has(channel)) return { ok: false, error: 'channel_not_found' };
      if (!text) return { ok: false, error: 'no_text' };
      const metadata = objectArgument(args.metadata);
      if (metadata === null || (metadata && typeof metadata.event_type !== 'string')) {
        return { ok: false, error: 'invalid_metadata_format' };
      }
      const message: SlackStubMessage = {
        channel,
        ts: slackTs(),
        text,
        user: botUserId,
        bot_id: botId,
        ...(typeof args.thread_ts === 'string' && args.thread_ts ? { thread_ts: args.thread_ts } : {}),
        ...(metadata
          ? {
              metadata: {
                event_type: metadata.event_type as string,
                event_payload: asRecord(metadata.event_payload),
              },
            }
          : {}),
      };
      messages.push(message);
      return { channel, ts: message.ts, message: view(message, true) };
    },

    'conversations.replies': (args) => {
      const { channel, ts } = args;
      if (typeof channel !== 'string' || typeof ts !== 'string')
        return { ok: false, error: 'invalid_arguments' };
      const thread = messages.filter(
        (message) => message.channel === channel && (message.ts === ts || message.thread_ts === ts),
      );
      const listed = page(thread.filter(after(args.oldest)), args);
      const withMetadata = truthy(args.include_all_metadata);
      return {
        messages: listed.slice.map((message) => view(message, withMetadata)),
        has_more: listed.has_more,
        response_metadata: listed.response_metadata,
      };
    },

    'conversations.history': (args) => {
      const { channel } = args;
      if (typeof channel !== 'string') return { ok: false, error: 'channel_not_found' };
      const topLevel = messages
        .filter(
          (message) =>
            message.channel === channel && (!message.thread_ts || message.thread_ts === message.ts),
        )
        .filter(after(args.oldest))
        .reverse(); // newest first, as Slack lists a channel
      const listed = page(topLevel, args);
      const withMetadata = truthy(args.include_all_metadata);
      return {
        messages: listed.slice.map((message) => view(message, withMetadata)),
        has_more: listed.has_more,
        response_metadata: listed.response_metadata,
      };
    },
  };

  async function handle(exchange: StubExchange): Promise<void> {
    const { request, response } = exchange;
    const method = request.path.startsWith('/api/') ? request.path.slice('/api/'.length) : '';
    const run = methods[method];
    if (request.method !== 'POST' || !run) {
      return sendJson(response, 404, { ok: false, error: 'unknown_method' });
    }
    const args = argumentsOf(request);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return sendJson(response, 200, { ok: false, error: 'not_authed' });
    if (token !== botToken) return sendJson(response, 200, { ok: false, error: 'invalid_auth' });

    const failure = failures.get(method)?.shift();
    if (failure?.kind === 'ratelimited') {
      const retryAfter = String(failure.retryAfterSeconds ?? 1);
      return sendJson(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': retryAfter });
    }
    if (failure?.kind === 'http') {
      response.writeHead(failure.status, { 'content-type': 'text/plain' });
      response.end('upstream failure');
      return;
    }
    if (failure?.kind === 'error') return sendJson(response, 200, { ok: false, error: failure.error });
    const result = run(args);
    if (failure?.kind === 'lost') return exchange.breakConnection();
    return sendJson(response, 200, { ok: true, ...result });
  }

  const server = await startStubServer(handle);

  return {
    url: `${server.origin}/api/`,
    botToken,
    botUserId,
    botId,
    teamId,
    requests: server.requests,
    messages,
    posted: (channel, threadTs) =>
      messages.filter(
        (message) =>
          message.user === botUserId &&
          message.channel === channel &&
          (threadTs === undefined || message.thread_ts === threadTs),
      ),
    failNext(count, failure, method = 'chat.postMessage') {
      const queue = failures.get(method) ?? [];
      for (let index = 0; index < count; index++) queue.push(failure);
      failures.set(method, queue);
    },
    addMessage(message) {
      const added = { ...message, ts: message.ts ?? slackTs() };
      messages.push(added);
      return added;
    },
    reset() {
      messages.length = 0;
      failures.clear();
      server.resetRecords();
    },
    close: server.close,
  };
}

/** An Events API `message` (or `app_mention`) event as Slack puts it in `event_callback.event`. */
export interface SlackEventFields {
  type?: 'message' | 'app_mention';
  channel: string;
  user?: string;
  text: string;
  ts?: string;
  thread_ts?: string;
  subtype?: string;
  bot_id?: string;
  [field: string]: unknown;
}

let eventSequence = 0;

/** An `event_callback` envelope around an event, with a fresh event_id, as Slack sends it. */
export function eventCallback(event: SlackEventFields, options: { teamId?: string; eventId?: string } = {}) {
  const teamId = options.teamId ?? 'T0STUBTEAM';
  const ts = event.ts ?? slackTs();
  eventSequence += 1;
  return {
    token: 'deprecated-verification-token',
    team_id: teamId,
    api_app_id: 'A0AGENTRYAPP',
    event: { type: 'message', channel_type: 'channel', team: teamId, event_ts: ts, ...event, ts },
    type: 'event_callback',
    event_id: options.eventId ?? `Ev${Date.now().toString(36).toUpperCase()}${eventSequence}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: teamId, user_id: 'U0AGENTRYBOT', is_bot: true }],
    is_ext_shared_channel: false,
  };
}

/** The handshake Slack sends when a Request URL is entered in the app's Event Subscriptions. */
export const urlVerification = (challenge: string) => ({
  token: 'deprecated-verification-token',
  challenge,
  type: 'url_verification',
});

export interface SentEvent {
  status: number;
  headers: Headers;
  /** The parsed JSON answer; the text when it is not JSON. */
  body: any;
}

/**
 * POSTs an Events API payload to `url` as Slack does: compact JSON, signed with the signing
 * secret at the time of sending. `retryNum` sends it as Slack's retry of an unanswered delivery.
 * `signedAtMs` and `signature` forge what Slack would not send (stale or bad signatures).
 */
export async function sendEvent(
  url: string,
  signingSecret: string,
  payload: object | string,
  options: { retryNum?: number; retryReason?: string; signedAtMs?: number; signature?: string } = {},
): Promise<SentEvent> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signed = slackSignatureHeaders(signingSecret, body, options.signedAtMs);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...signed,
    ...(options.signature !== undefined ? { 'x-slack-signature': options.signature } : {}),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the text is the body.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Sends a payload, then Slack's retries of it (X-Slack-Retry-Num 1..retries), each signed anew. */
export async function sendEventWithRetries(
  url: string,
  signingSecret: string,
  payload: object,
  retries: number,
): Promise<SentEvent[]> {
  const answers = [await sendEvent(url, signingSecret, payload)];
  for (let retryNum = 1; retryNum <= retries; retryNum++) {
    answers.push(await sendEvent(url, signingSecret, payload, { retryNum }));
  }
  return answers;
}
