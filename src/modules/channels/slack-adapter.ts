import {
  type FetchFunction,
  type Logger,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { z } from 'zod';
import type { ChannelAdapter, OutgoingReply } from './channel-contract.ts';
import { ChannelSendError } from './channel-send-error.ts';

export const SLACK_API_URL = 'https://slack.com/api/';
/** Marks Agentry's replies in Slack's message metadata; the payload carries the idempotency key. */
export const SLACK_REPLY_EVENT_TYPE = 'agentry_reply';

const DEFAULT_TIMEOUT_MS = 10_000;
/** How far `findSent` reads a thread: 5 pages of 200 messages after the message answered. */
const FIND_SENT_PAGES = 5;
const FIND_SENT_PAGE_SIZE = 200;

/** Slack errors that a later try of the same call may not meet (docs.slack.dev, "Errors"). */
const TRANSIENT_SLACK_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export const slackSettingsSchema = z
  .object({
    api_base_url: z
      .url({ protocol: /^https?$/ })
      // The Web API client appends method names (`chat.postMessage`) to this URL as it is.
      .transform((url) => (url.endsWith('/') ? url : `${url}/`))
      .default(SLACK_API_URL)
      .describe('The Web API base URL; Slack’s own unless a proxy or test server stands in'),
    bot_user_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        'The bot user of the Slack app (U…): its own messages are ignored, its leading mention stripped',
      ),
    reply_in_thread: z
      .boolean()
      .default(true)
      .describe(
        'Reply in a thread under the message; false replies in the channel unless the message was in a thread',
      ),
  })
  .strict();
export type SlackSettings = z.output<typeof slackSettingsSchema>;

export const slackCredentialsSchema = z
  .object({
    signing_secret: z.string().min(1).describe('The app’s Signing Secret (Basic Information page)'),
    // Usually a bot token (xoxb-…); any non-empty token is taken, so that user tokens and test
    // tokens work too. Slack itself refuses a wrong one (invalid_auth, not retried).
    bot_token: z
      .string()
      .min(1)
      .describe('The Bot User OAuth Token (xoxb-…) of the app installed in the workspace'),
  })
  .strict();
export type SlackCredentials = z.output<typeof slackCredentialsSchema>;

/**
 * Where a reply goes: the conversation, the message answered, and the thread root when the reply
 * goes into a thread (absent: at the top of the conversation).
 */
const replyTargetSchema = z.object({
  channel: z.string().min(1),
  ts: z.string().min(1),
  thread_ts: z.string().min(1).optional(),
});

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/** The Slack error as a ChannelSendError: retryable when a later try may get through. */
export function slackSendErrorOf(error: unknown): unknown {
  if (error instanceof ChannelSendError) return error;
  if (error instanceof WebAPIRateLimitedError) {
    return new ChannelSendError(
      'slack_rate_limited',
      `Slack rate-limited the call; retry after ${error.retryAfter} s`,
      {
        retryable: true,
        retryAfterSeconds: error.retryAfter,
        cause: error,
      },
    );
  }
  if (error instanceof WebAPIPlatformError) {
    const slackError = String(error.data.error);
    const retryable = TRANSIENT_SLACK_ERRORS.has(slackError);
    return new ChannelSendError(
      retryable ? 'slack_unavailable' : 'slack_error',
      `Slack answered ${slackError}${retryable ? '' : ' (check the channel’s bot token, its scopes and the Slack channel)'}`,
      { retryable, details: { slack_error: slackError }, cause: error },
    );
  }
  if (error instanceof WebAPIHTTPError) {
    const retryable = error.statusCode >= 500 || error.statusCode === 408;
    return new ChannelSendError(
      retryable ? 'slack_unavailable' : 'slack_error',
      `Slack’s Web API answered HTTP ${error.statusCode}${retryable ? '' : ' (check the channel’s api_base_url)'}`,
      { retryable, details: { http_status: error.statusCode }, cause: error },
    );
  }
  if (error instanceof WebAPIRequestError) {
    return new ChannelSendError(
      'slack_unavailable',
      'Slack’s Web API could not be reached or did not answer in time',
      {
        retryable: true,
        cause: error,
      },
    );
  }
  return error;
}

/**
 * The Slack channel kind: replies go out through the Web API (`chat.postMessage`) with the bot
 * token, in the thread of the message answered, and carry their idempotency key in the message's
 * metadata so that a reply whose outcome is unknown can be found again (`findSent`).
 */
export function slackAdapter(options: {
  /** The outbound guard: the API base URL is a user-supplied URL. */
  assertAllowed: (url: string) => Promise<void>;
  /**
   * How requests are made; the global fetch by default. The outbound guard's fetch is better: it
   * connects only to the addresses it checked, so a host cannot resolve elsewhere after the check.
   */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  timeoutMs?: number;
}): ChannelAdapter {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseFetch = options.fetch ?? fetch;

  async function clientFor(reply: OutgoingReply, signal: AbortSignal) {
    const settings = slackSettingsSchema.parse(reply.channel.settings);
    const credentials = slackCredentialsSchema.parse(reply.channel.credentials);
    await options.assertAllowed(settings.api_base_url);
    // The client sets its own timeout signal; the caller's (shutdown, the job's deadline) joins it.
    const fetchWithSignal: FetchFunction = (url, init) =>
      baseFetch(String(url), {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
      });
    const client = new WebClient(credentials.bot_token, {
      slackApiUrl: settings.api_base_url,
      // The reply outbox retries with its own backoff; a rate limit comes back as an error at once.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout: timeoutMs,
      fetch: fetchWithSignal,
      logger: silentLogger,
    });
    return { client, target: replyTargetSchema.parse(reply.target) };
  }

  /** Replies after the message answered, in its thread or in the channel, until one matches. */
  async function findReply(reply: OutgoingReply, signal: AbortSignal): Promise<string | null> {
    const { client, target } = await clientFor(reply, signal);
    let cursor: string | undefined;
    for (let page = 0; page < FIND_SENT_PAGES; page++) {
      const query = {
        channel: target.channel,
        oldest: target.ts,
        include_all_metadata: true,
        limit: FIND_SENT_PAGE_SIZE,
        ...(cursor ? { cursor } : {}),
      };
      const result = target.thread_ts
        ? await client.conversations.replies({ ...query, ts: target.thread_ts })
        : await client.conversations.history(query);
      const match = (result.messages ?? []).find((message) => {
        const metadata = message.metadata as
          | { event_type?: string; event_payload?: Record<string, unknown> }
          | undefined;
        return (
          metadata?.event_type === SLACK_REPLY_EVENT_TYPE &&
          metadata.event_payload?.idempotency_key === reply.idempotencyKey
        );
      });
      if (match?.ts) return match.ts;
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  return {
    kind: 'slack',
    settingsSchema: slackSettingsSchema,
    credentialsSchema: slackCredentialsSchema,

    replyTarget(taskData, settings) {
      const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
      const channel = text(taskData.channel);
      const threadTs = text(taskData.thread_ts);
      const ts = text(taskData.ts) ?? threadTs;
      if (!channel || !ts) return null;
      // A message inside a thread is answered there; one at the top as the channel chooses.
      const inThread = threadTs !== undefined && threadTs !== ts;
      const intoThread = inThread || settings.reply_in_thread !== false;
      return { channel, ts, ...(intoThread ? { thread_ts: threadTs ?? ts } : {}) };
    },

    async send(reply, signal) {
      try {
        const { client, target } = await clientFor(reply, signal);
        const result = await client.chat.postMessage({
          channel: target.channel,
          text: reply.body.text,
          ...(target.thread_ts ? { thread_ts: target.thread_ts } : {}),
          metadata: {
            event_type: SLACK_REPLY_EVENT_TYPE,
            event_payload: { idempotency_key: reply.idempotencyKey, task_id: reply.body.task_id },
          },
        });
        if (!result.ts)
          throw new ChannelSendError('slack_error', 'Slack accepted the reply without its ts', {
            retryable: false,
          });
        return { externalId: result.ts };
      } catch (error) {
        throw slackSendErrorOf(error);
      }
    },

    async findSent(reply, signal) {
      try {
        const ts = await findReply(reply, signal);
        return ts ? { externalId: ts } : null;
      } catch (error) {
        throw slackSendErrorOf(error);
      }
    },
  };
}
