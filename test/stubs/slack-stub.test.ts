import {
  ErrorCode,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../src/modules/channels/slack-signature.ts';
import {
  eventCallback,
  type SlackStub,
  sendEvent,
  sendEventWithRetries,
  startSlackStub,
  urlVerification,
} from '../support/slack-stub.ts';
import { type RecordedRequest, sendJson, startStubServer } from './stub-server.ts';

let stub: SlackStub;
let client: WebClient;

const clientFor = (token: string) =>
  new WebClient(token, {
    slackApiUrl: stub.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });

async function failureOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  stub = await startSlackStub({ channels: ['C0GENERAL', 'C0RANDOM'] });
  client = clientFor(stub.botToken);
});
afterEach(() => stub.reset());
afterAll(() => stub.close());

describe('Slack stub, spoken to by @slack/web-api', () => {
  it('answers auth.test for the bot token and refuses any other token as Slack does', async () => {
    await expect(client.auth.test()).resolves.toMatchObject({
      ok: true,
      user_id: stub.botUserId,
      bot_id: stub.botId,
    });
    const refused = await failureOf(clientFor('xoxb-wrong').auth.test());
    expect(refused).toBeInstanceOf(WebAPIPlatformError);
    expect((refused as WebAPIPlatformError).data.error).toBe('invalid_auth');
    expect(stub.requests.at(-1)?.headers.authorization).toBe('Bearer xoxb-wrong');
  });

  it('keeps a posted message with its thread and metadata, and lists it in the thread', async () => {
    const root = stub.addMessage({ channel: 'C0GENERAL', user: 'U0HUMAN', text: 'question' });
    const posted = await client.chat.postMessage({
      channel: 'C0GENERAL',
      thread_ts: root.ts,
      text: 'answer',
      metadata: { event_type: 'agentry_reply', event_payload: { idempotency_key: 'key-1' } },
    });

    expect(posted.ok).toBe(true);
    expect(stub.posted('C0GENERAL', root.ts)).toEqual([
      {
        channel: 'C0GENERAL',
        ts: posted.ts,
        thread_ts: root.ts,
        text: 'answer',
        user: stub.botUserId,
        bot_id: stub.botId,
        metadata: { event_type: 'agentry_reply', event_payload: { idempotency_key: 'key-1' } },
      },
    ]);
    // The client sends arguments form-encoded, objects as JSON strings.
    expect(stub.requests.at(-1)?.headers['content-type']).toBe('application/x-www-form-urlencoded');

    const withMetadata = await client.conversations.replies({
      channel: 'C0GENERAL',
      ts: root.ts,
      include_all_metadata: true,
    });
    expect(withMetadata.messages?.map((message) => message.text)).toEqual(['question', 'answer']);
    expect(withMetadata.messages?.[1]?.metadata).toEqual({
      event_type: 'agentry_reply',
      event_payload: { idempotency_key: 'key-1' },
    });
    const without = await client.conversations.replies({ channel: 'C0GENERAL', ts: root.ts });
    expect(without.messages?.[1]?.metadata).toBeUndefined();
    const later = await client.conversations.replies({ channel: 'C0GENERAL', ts: root.ts, oldest: root.ts });
    expect(later.messages?.map((message) => message.text)).toEqual(['answer']);
  });

  it('pages a long thread with cursors, and lists a channel newest first', async () => {
    const root = stub.addMessage({ channel: 'C0RANDOM', user: 'U0HUMAN', text: 'root' });
    for (let index = 0; index < 5; index++) {
      await client.chat.postMessage({ channel: 'C0RANDOM', thread_ts: root.ts, text: `reply ${index}` });
    }
    await client.chat.postMessage({ channel: 'C0RANDOM', text: 'top level' });

    const first = await client.conversations.replies({ channel: 'C0RANDOM', ts: root.ts, limit: 4 });
    expect(first.messages).toHaveLength(4);
    expect(first.has_more).toBe(true);
    const cursor = first.response_metadata?.next_cursor;
    const second = await client.conversations.replies({ channel: 'C0RANDOM', ts: root.ts, limit: 4, cursor });
    expect(second.messages?.map((message) => message.text)).toEqual(['reply 3', 'reply 4']);
    expect(second.response_metadata?.next_cursor).toBe('');

    const history = await client.conversations.history({ channel: 'C0RANDOM' });
    expect(history.messages?.map((message) => message.text)).toEqual(['top level', 'root']);
  });

  it('accepts JSON arguments, as Slack does for writes', async () => {
    const response = await fetch(`${stub.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stub.botToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: JSON.stringify({
        channel: 'C0GENERAL',
        text: 'as JSON',
        metadata: { event_type: 'x', event_payload: {} },
      }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: 'C0GENERAL' });
    expect(stub.posted('C0GENERAL')[0]?.metadata).toEqual({ event_type: 'x', event_payload: {} });
  });

  it('refuses an unknown conversation, an empty text and unreadable metadata', async () => {
    const unknown = await failureOf(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'hi' }));
    expect((unknown as WebAPIPlatformError).data.error).toBe('channel_not_found');
    const empty = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: '' }));
    expect((empty as WebAPIPlatformError).data.error).toBe('no_text');
    const response = await fetch(`${stub.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stub.botToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ channel: 'C0GENERAL', text: 'hi', metadata: '{not json' }).toString(),
    });
    expect(await response.json()).toEqual({ ok: false, error: 'invalid_metadata_format' });
    expect(stub.messages).toEqual([]);
  });

  it('rate-limits the next calls with 429 and Retry-After, then posts again', async () => {
    stub.failNext(2, { kind: 'ratelimited', retryAfterSeconds: 7 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const limited = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'hi' }));
      expect(limited).toBeInstanceOf(WebAPIRateLimitedError);
      expect((limited as WebAPIRateLimitedError).retryAfter).toBe(7);
    }
    await expect(client.chat.postMessage({ channel: 'C0GENERAL', text: 'hi' })).resolves.toMatchObject({
      ok: true,
    });
    expect(stub.posted('C0GENERAL')).toHaveLength(1);
  });

  it('fails with an HTTP status, a Web API error, or a lost answer after posting', async () => {
    stub.failNext(1, { kind: 'http', status: 503 });
    const unavailable = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'one' }));
    expect(unavailable).toBeInstanceOf(WebAPIHTTPError);
    expect((unavailable as WebAPIHTTPError).statusCode).toBe(503);

    stub.failNext(1, { kind: 'error', error: 'account_inactive' });
    const refused = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'two' }));
    expect((refused as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
    expect((refused as WebAPIPlatformError).data.error).toBe('account_inactive');
    expect(stub.messages).toEqual([]);

    stub.failNext(1, { kind: 'lost' });
    const lost = await failureOf(client.chat.postMessage({ channel: 'C0GENERAL', text: 'three' }));
    expect(lost).toBeInstanceOf(WebAPIRequestError);
    expect(stub.posted('C0GENERAL').map((message) => message.text)).toEqual(['three']);
  });

  it('fails only the method it was told to', async () => {
    stub.failNext(1, { kind: 'error', error: 'internal_error' }, 'conversations.replies');
    await expect(client.chat.postMessage({ channel: 'C0GENERAL', text: 'fine' })).resolves.toMatchObject({
      ok: true,
    });
    const failed = await failureOf(client.conversations.replies({ channel: 'C0GENERAL', ts: '1.000001' }));
    expect((failed as WebAPIPlatformError).data.error).toBe('internal_error');
  });
});

describe('sending Events API payloads as Slack does', () => {
  it('signs the exact bytes it posts, and marks retries with X-Slack-Retry-Num', async () => {
    const received: RecordedRequest[] = [];
    const receiver = await startStubServer(async ({ request, response }) => {
      received.push(request);
      sendJson(response, 200, { ok: true });
    });
    try {
      const payload = eventCallback({ channel: 'C0GENERAL', user: 'U0HUMAN', text: 'héllo' });
      const answers = await sendEventWithRetries(`${receiver.origin}/events`, 'secret-1', payload, 2);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(received.map((request) => request.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2']);
      for (const request of received) {
        expect(request.headers['content-type']).toBe('application/json');
        expect(request.body).toEqual(payload);
        const verdict = verifySlackSignature({
          signingSecret: 'secret-1',
          signature: request.headers['x-slack-signature'],
          timestamp: request.headers['x-slack-request-timestamp'],
          rawBody: request.rawBody,
        });
        expect(verdict).toEqual({ valid: true });
      }

      await sendEvent(`${receiver.origin}/events`, 'secret-1', urlVerification('abc'), {
        signedAtMs: Date.now() - 600_000,
      });
      const stale = received.at(-1) as RecordedRequest;
      expect(
        verifySlackSignature({
          signingSecret: 'secret-1',
          signature: stale.headers['x-slack-signature'],
          timestamp: stale.headers['x-slack-request-timestamp'],
          rawBody: stale.rawBody,
        }),
      ).toEqual({ valid: false, reason: 'stale_timestamp' });
    } finally {
      await receiver.close();
    }
  });

  it('builds event envelopes with fresh event ids and the message’s ts', () => {
    const first = eventCallback({ channel: 'C1', user: 'U1', text: 'a' });
    const second = eventCallback({ channel: 'C1', user: 'U1', text: 'a', thread_ts: first.event.ts });
    expect(first.event_id).not.toBe(second.event_id);
    expect(first.event).toMatchObject({ type: 'message', channel: 'C1', ts: first.event.event_ts });
    expect(second.event.thread_ts).toBe(first.event.ts);
    expect(Number(second.event.ts)).toBeGreaterThan(Number(first.event.ts));
  });
});
