import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer, waitForDisconnect } from '../../../test/stubs/stub-server.ts';
import { type SlackStub, startSlackStub } from '../../../test/support/slack-stub.ts';
import { createOutboundGuard, OutboundBlockedError } from '../../platform/http/outbound-guard.ts';
import type { ChannelAdapter, ChannelRecord, OutgoingReply } from './channel-contract.ts';
import { ChannelSendError } from './channel-send-error.ts';
import { slackAdapter } from './slack-adapter.ts';

let stub: SlackStub;
const checkedUrls: string[] = [];
const allowAll = async (url: string) => {
  checkedUrls.push(url);
};
const never = new AbortController().signal;

beforeAll(async () => {
  stub = await startSlackStub({ channels: ['C0SUPPORT'] });
});
afterEach(() => {
  stub.reset();
  checkedUrls.length = 0;
});
afterAll(() => stub.close());

function channelWith(
  overrides: { settings?: Record<string, unknown>; credentials?: Record<string, unknown> } = {},
) {
  return {
    id: '01973c30-0000-7000-8000-000000000001',
    organizationId: '01973c30-0000-7000-8000-000000000002',
    agentId: '01973c30-0000-7000-8000-000000000003',
    kind: 'slack',
    name: 'Support Slack',
    enabled: true,
    settings: { api_base_url: stub.url, reply_in_thread: true, ...overrides.settings },
    credentials: { signing_secret: 'secret', bot_token: stub.botToken, ...overrides.credentials },
    taskPriority: 5,
  } satisfies ChannelRecord;
}

/** A reply to the message `ts` (in the thread `threadTs` when it was in one). */
function replyTo(
  adapter: ChannelAdapter,
  message: { ts: string; thread_ts?: string; channel?: string },
  channel: ChannelRecord = channelWith(),
  idempotencyKey = `reply-${message.ts}`,
): OutgoingReply {
  const target = adapter.replyTarget(
    { message: 'hi', channel: message.channel ?? 'C0SUPPORT', ...message },
    channel.settings,
  );
  if (!target) throw new Error('no reply target');
  return {
    channel,
    idempotencyKey,
    target,
    body: {
      text: 'Refunds take 5 business days.',
      task_id: '01973c30-0000-7000-8000-0000000000aa',
      task_status: 'completed',
    },
  };
}

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('the Slack adapter’s settings and credentials', () => {
  const adapter = slackAdapter({ assertAllowed: allowAll });

  it('fills in Slack’s API URL and threads by default, and ends a base URL with a slash', () => {
    expect(adapter.settingsSchema.parse({})).toEqual({
      api_base_url: 'https://slack.com/api/',
      reply_in_thread: true,
    });
    expect(
      adapter.settingsSchema.parse({ api_base_url: 'http://127.0.0.1:9/api', bot_user_id: 'U1' }),
    ).toEqual({
      api_base_url: 'http://127.0.0.1:9/api/',
      bot_user_id: 'U1',
      reply_in_thread: true,
    });
  });

  it('refuses unknown settings, URLs that are not HTTP, and empty secrets', () => {
    expect(adapter.settingsSchema.safeParse({ channel: 'C1' }).success).toBe(false);
    expect(adapter.settingsSchema.safeParse({ api_base_url: 'file:///etc/passwd' }).success).toBe(false);
    expect(adapter.settingsSchema.safeParse({ api_base_url: 'not a url' }).success).toBe(false);
    expect(adapter.credentialsSchema.safeParse({ signing_secret: 's', bot_token: '' }).success).toBe(false);
    expect(adapter.credentialsSchema.safeParse({ bot_token: 'xoxb-1' }).success).toBe(false);
    expect(
      adapter.credentialsSchema.safeParse({ signing_secret: 's', bot_token: 'xoxb-1', extra: 1 }).success,
    ).toBe(false);
    expect(adapter.credentialsSchema.parse({ signing_secret: 's', bot_token: 'xoxp-user-token' })).toEqual({
      signing_secret: 's',
      bot_token: 'xoxp-user-token',
    });
  });

  it('replies in the thread of the message, or at the top when the channel says so', () => {
    const threaded = { reply_in_thread: true };
    const flat = { reply_in_thread: false };
    const topMessage = { message: 'hi', channel: 'C1', ts: '1.000001', thread_ts: '1.000001' };
    const threadMessage = { message: 'hi', channel: 'C1', ts: '2.000001', thread_ts: '1.000001' };
    expect(adapter.replyTarget(topMessage, threaded)).toEqual({
      channel: 'C1',
      ts: '1.000001',
      thread_ts: '1.000001',
    });
    expect(adapter.replyTarget(topMessage, flat)).toEqual({ channel: 'C1', ts: '1.000001' });
    expect(adapter.replyTarget(threadMessage, flat)).toEqual({
      channel: 'C1',
      ts: '2.000001',
      thread_ts: '1.000001',
    });
    // Task data written by hand: a ts alone, or a thread alone.
    expect(adapter.replyTarget({ message: 'hi', channel: 'C1', ts: '3.000001' }, {})).toEqual({
      channel: 'C1',
      ts: '3.000001',
      thread_ts: '3.000001',
    });
    expect(adapter.replyTarget({ message: 'hi', channel: 'C1', thread_ts: '1.000001' }, threaded)).toEqual({
      channel: 'C1',
      ts: '1.000001',
      thread_ts: '1.000001',
    });
  });

  it('gives no target to a task that names no conversation or message', () => {
    expect(adapter.replyTarget({ message: 'hi', ts: '1.000001' }, {})).toBeNull();
    expect(adapter.replyTarget({ message: 'hi', channel: 'C1' }, {})).toBeNull();
    expect(adapter.replyTarget({ message: 'hi', channel: 42, ts: '1.000001' }, {})).toBeNull();
    expect(adapter.replyTarget({ message: 'hi', channel: '', ts: '1.000001' }, {})).toBeNull();
  });
});

describe('sending replies to Slack', () => {
  const adapter = slackAdapter({ assertAllowed: allowAll });

  it('posts the reply in the message’s thread, with its idempotency key in the metadata', async () => {
    const question = stub.addMessage({
      channel: 'C0SUPPORT',
      user: 'U0HUMAN',
      text: 'How long do refunds take?',
    });
    const reply = replyTo(adapter, question);

    const sent = await adapter.send(reply, never);

    expect(checkedUrls).toEqual([stub.url]);
    expect(stub.posted('C0SUPPORT')).toEqual([
      expect.objectContaining({
        ts: sent.externalId,
        thread_ts: question.ts,
        text: 'Refunds take 5 business days.',
        metadata: {
          event_type: 'agentry_reply',
          event_payload: { idempotency_key: reply.idempotencyKey, task_id: reply.body.task_id },
        },
      }),
    ]);
  });

  it('sends through the outbound guard’s fetch when given it', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    const guarded = slackAdapter({ assertAllowed: (url) => guard.assertAllowed(url), fetch: guard.fetch });
    const question = stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'q' });
    const sent = await guarded.send(replyTo(guarded, question), never);
    expect(stub.posted('C0SUPPORT').map((message) => message.ts)).toEqual([sent.externalId]);

    const strict = createOutboundGuard({ allowlist: [] });
    const refusing = slackAdapter({ assertAllowed: (url) => strict.assertAllowed(url), fetch: strict.fetch });
    await expect(refusing.send(replyTo(refusing, question), never)).rejects.toMatchObject({
      code: 'outbound_url_blocked',
    });
    expect(stub.posted('C0SUPPORT')).toHaveLength(1);
  });

  it('with reply_in_thread off, answers in the channel, but still inside a thread the message was in', async () => {
    const channel = channelWith({ settings: { reply_in_thread: false } });
    const topLevel = stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'top' });
    const inThread = stub.addMessage({
      channel: 'C0SUPPORT',
      user: 'U0HUMAN',
      text: 'in',
      thread_ts: topLevel.ts,
    });

    await adapter.send(replyTo(adapter, topLevel, channel), never);
    await adapter.send(replyTo(adapter, inThread, channel), never);

    const [first, second] = stub.posted('C0SUPPORT');
    expect(first?.thread_ts).toBeUndefined();
    expect(second?.thread_ts).toBe(topLevel.ts);
  });

  it('finds a reply whose answer was lost, in a thread and in a channel, and nothing for another key', async () => {
    const question = stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'q' });
    const reply = replyTo(adapter, question);
    stub.failNext(1, { kind: 'lost' });
    const lost = await failureOf(adapter.send(reply, never));
    expect(lost).toMatchObject({ retryable: true, code: 'slack_unavailable' });

    const found = await adapter.findSent?.(reply, never);
    expect(found).toEqual({ externalId: stub.posted('C0SUPPORT')[0]?.ts });
    expect(await adapter.findSent?.({ ...reply, idempotencyKey: 'another' }, never)).toBeNull();

    const channel = channelWith({ settings: { reply_in_thread: false } });
    const other = stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'q2' });
    const topReply = replyTo(adapter, other, channel);
    const sent = await adapter.send(topReply, never);
    expect(await adapter.findSent?.(topReply, never)).toEqual({ externalId: sent.externalId });
  });

  it('reads a long thread page by page to find the reply', async () => {
    const question = stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'q' });
    for (let index = 0; index < 250; index++) {
      stub.addMessage({
        channel: 'C0SUPPORT',
        user: 'U0HUMAN',
        text: `chatter ${index}`,
        thread_ts: question.ts,
      });
    }
    const reply = replyTo(adapter, question);
    const sent = await adapter.send(reply, never);
    expect(await adapter.findSent?.(reply, never)).toEqual({ externalId: sent.externalId });
    const replyCalls = stub.requests.filter((request) => request.path === '/api/conversations.replies');
    expect(replyCalls).toHaveLength(2);
  });
});

describe('Slack’s refusals as retryable or final errors', () => {
  const adapter = slackAdapter({ assertAllowed: allowAll });
  const question = () => stub.addMessage({ channel: 'C0SUPPORT', user: 'U0HUMAN', text: 'q' });

  it('a rate limit is retryable after Slack’s Retry-After, and the retry posts once', async () => {
    const reply = replyTo(adapter, question());
    stub.failNext(1, { kind: 'ratelimited', retryAfterSeconds: 3 });
    const limited = await failureOf(adapter.send(reply, never));
    expect(limited).toBeInstanceOf(ChannelSendError);
    expect(limited).toMatchObject({
      code: 'slack_rate_limited',
      retryable: true,
      status: 503,
      retryAfterSeconds: 3,
    });
    expect(stub.posted('C0SUPPORT')).toHaveLength(0);
    await adapter.send(reply, never);
    expect(stub.posted('C0SUPPORT')).toHaveLength(1);
  });

  it('an outage (HTTP 5xx or a transient Slack error) is retryable', async () => {
    const reply = replyTo(adapter, question());
    stub.failNext(1, { kind: 'http', status: 500 });
    stub.failNext(1, { kind: 'error', error: 'service_unavailable' });
    for (const expected of [{ http_status: 500 }, { slack_error: 'service_unavailable' }]) {
      const failure = await failureOf(adapter.send(reply, never));
      expect(failure).toMatchObject({
        code: 'slack_unavailable',
        retryable: true,
        status: 503,
        details: expected,
      });
    }
  });

  it('a wrong token, an unknown conversation or a wrong API URL is final (502, third party)', async () => {
    const wrongToken = replyTo(
      adapter,
      question(),
      channelWith({ credentials: { bot_token: 'xoxb-revoked' } }),
    );
    const elsewhere = replyTo(adapter, { ...question(), channel: 'C0ELSEWHERE' });
    const wrongUrl = replyTo(
      adapter,
      question(),
      channelWith({ settings: { api_base_url: `${stub.url}v2/` } }),
    );
    const expectations = [
      [wrongToken, { code: 'slack_error', details: { slack_error: 'invalid_auth' } }],
      [elsewhere, { code: 'slack_error', details: { slack_error: 'channel_not_found' } }],
      [wrongUrl, { code: 'slack_error', details: { http_status: 404 } }],
    ] as const;
    for (const [reply, expected] of expectations) {
      const failure = await failureOf(adapter.send(reply, never));
      expect(failure).toBeInstanceOf(ChannelSendError);
      expect(failure).toMatchObject({ ...expected, retryable: false, status: 502, category: 'third_party' });
      // The client reads the message: it names Slack's error, never the token.
      expect((failure as Error).message).not.toContain('xoxb');
    }
    expect(stub.messages.filter((message) => message.user === stub.botUserId)).toEqual([]);
  });

  it('sends nothing to a URL the outbound guard refuses', async () => {
    const guarded = slackAdapter({
      assertAllowed: async () => {
        throw new OutboundBlockedError('127.0.0.1', 'a loopback address');
      },
    });
    const reply = replyTo(guarded, question());
    await expect(guarded.send(reply, never)).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(guarded.findSent?.(reply, never)).rejects.toBeInstanceOf(OutboundBlockedError);
    expect(stub.requests).toEqual([]);
  });

  it('gives up on a Web API that does not answer: at its timeout, or when the caller aborts', async () => {
    const silent = await startStubServer(({ signal }) => waitForDisconnect(signal));
    try {
      const channel = channelWith({ settings: { api_base_url: `${silent.origin}/api/` } });
      const quick = slackAdapter({ assertAllowed: allowAll, timeoutMs: 200 });
      const timedOut = await failureOf(quick.send(replyTo(quick, question(), channel), never));
      expect(timedOut).toMatchObject({ code: 'slack_unavailable', retryable: true });

      const abort = new AbortController();
      const sending = adapter.send(replyTo(adapter, question(), channel), abort.signal);
      setTimeout(() => abort.abort(), 100);
      const started = Date.now();
      expect(await failureOf(sending)).toMatchObject({ code: 'slack_unavailable', retryable: true });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await silent.close();
    }
  });
});
