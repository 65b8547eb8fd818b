import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { echoScript } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Process-wide load shedding (docs/limits.md): past OVERLOAD_MAX_CONCURRENT_TURNS turns, or while
 * the event loop lags past OVERLOAD_MAX_EVENT_LOOP_DELAY_MS, API requests are answered 503
 * `overloaded` with Retry-After; probes are still answered; the process recovers by itself.
 */
const KEY = 'sk-overload-0123456789';

let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY });
  app = await startTestApp({
    RATE_LIMIT_ENABLED: 'true',
    OVERLOAD_MAX_CONCURRENT_TURNS: '2',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50',
    OUTBOUND_ALLOWLIST: '127.0.0.1',
  });
  owner = await registerAccount(app.http);
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

/** Blocks this process's event loop (the server's too) in slices, for `totalMs`. */
async function keepEventLoopBusy(totalMs: number) {
  const until = Date.now() + totalMs;
  while (Date.now() < until) {
    const slice = Date.now() + 100;
    while (Date.now() < slice) {
      // busy: the loop cannot run timers or I/O
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('process-wide load shedding', () => {
  it('answers 503 overloaded past the process’s turn bound, for every organization', async () => {
    stub.setScript((request) => {
      const reply = echoScript(request);
      return reply.type === 'text' ? { ...reply, chunkDelayMs: 1_500 } : reply;
    });
    const as = { token: owner.token };
    const provider = await app.http.post(
      '/api/v1/providers',
      { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      as,
    );
    const agent = await app.http.post(
      '/api/v1/agents',
      { name: 'Slow', provider_id: provider.body.id, model: 'gpt-stub' },
      as,
    );
    const completions = () =>
      stub.requests.filter((request) => request.path === '/v1/chat/completions').length;
    const running = [1, 2].map((index) =>
      app.http.post(`/api/v1/agents/${agent.body.id}/execute`, { message: `slow ${index}` }, as),
    );
    await expect.poll(completions, { timeout: 10_000 }).toBe(2);

    const other = await registerAccount(app.http);
    const otherAgent = await app.http.post('/api/v1/agents', { name: 'Offline' }, { token: other.token });
    const shed = await app.http.post(
      `/api/v1/agents/${otherAgent.body.id}/execute`,
      { message: 'hi' },
      { token: other.token },
    );
    expectError(shed, 503, 'overloaded');
    expect(shed.headers.get('retry-after')).toBe('5');

    expect((await Promise.all(running)).map((response) => response.status)).toEqual([200, 200]);
    const served = await app.http.post(
      `/api/v1/agents/${otherAgent.body.id}/execute`,
      { message: 'hi' },
      { token: other.token },
    );
    expect(served.status).toBe(200);
  });

  it('answers 503 overloaded while the event loop lags, keeps answering probes, and recovers', async () => {
    await keepEventLoopBusy(2_200);
    const shed = await app.http.get('/api/v1/agents', { token: owner.token });
    expectError(shed, 503, 'overloaded');
    expect(shed.headers.get('retry-after')).toBe('5');
    expect((await app.http.get('/health')).status).toBe(200);
    await expect
      .poll(async () => (await app.http.get('/api/v1/agents', { token: owner.token })).status, {
        timeout: 5_000,
        interval: 200,
      })
      .toBe(200);
  });
});
