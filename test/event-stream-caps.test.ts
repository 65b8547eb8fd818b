import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventSocket, openEventStream } from './support/event-stream.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/** Live event streams (SSE and WebSocket together) one organization may hold open, by tier. */
let app: TestApp;
let alice: TestAccount;
let bob: TestAccount;

beforeAll(async () => {
  app = await startTestApp({
    RATE_LIMIT_ENABLED: 'true',
    EVENT_STREAMS_PER_ORGANIZATION: 'free=2,pro=4,enterprise=8',
  });
  alice = await registerAccount(app.http, 'Alice');
  bob = await registerAccount(app.http, 'Bob');
});
afterAll(() => app.close());

const bearer = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
const eventsUrl = () => `${app.url}/api/v1/events`;
const socketUrl = () => `${app.url.replace('http', 'ws')}/api/v1/ws`;

describe('event streams per organization', () => {
  it('are capped over SSE and WebSocket together (429 beyond), per organization', async () => {
    const first = await openEventStream(eventsUrl(), bearer(alice));
    const second = await openEventSocket(socketUrl(), bearer(alice));
    expect(first.response.status).toBe(200);

    const refused = await openEventStream(eventsUrl(), bearer(alice));
    const body = (await refused.response.json()) as Record<string, unknown>;
    expectError(
      { status: refused.response.status, headers: refused.response.headers, body },
      429,
      'stream_limited',
    );
    expect(body.details).toEqual({ limit: 2, tier: 'free' });
    expect(refused.response.headers.get('retry-after')).toBe('1');
    await expect(openEventSocket(socketUrl(), bearer(alice))).rejects.toThrow('HTTP 429');

    // Another organization's streams are its own.
    const bobs = await openEventStream(eventsUrl(), bearer(bob));
    expect(bobs.response.status).toBe(200);

    // A closed stream gives its place back, whichever kind it was.
    /** Opens a stream of alice's as soon as one is free again (a close is seen a moment later). */
    const openWhenFree = async <T>(open: () => Promise<T | undefined>) => {
      let opened: T | undefined;
      await expect
        .poll(async () => {
          opened = await open();
          return opened !== undefined;
        })
        .toBe(true);
      return opened as T;
    };
    second.close();
    const third = await openWhenFree(async () => {
      const stream = await openEventStream(eventsUrl(), bearer(alice));
      return stream.response.status === 200 ? stream : undefined;
    });
    first.close();
    const fourth = await openWhenFree(() =>
      openEventSocket(socketUrl(), bearer(alice)).catch(() => undefined),
    );
    expect((await openEventStream(eventsUrl(), bearer(alice))).response.status).toBe(429);
    for (const stream of [third, fourth, bobs]) stream.close();
  });
});
