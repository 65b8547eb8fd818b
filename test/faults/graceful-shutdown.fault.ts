import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from '../support/accounts.ts';
import { openEventSocket } from '../support/event-stream.ts';
import { createHttpClient, type HttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { postForEvents } from '../support/sse-client.ts';

/**
 * SIGTERM of a real `agentry serve`: idle keep-alive connections and endless event streams do not
 * hold the process; in-flight turns finish within SHUTDOWN_GRACE_SECONDS or end `cancelled` with
 * the reason; the process exits 0 either way.
 */
const KEY = 'sk-shutdown-0123456789';
const GRACE_SECONDS = 4;

let stub: OpenAiStub;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['shutdown-model'] });
  environment = await serverEnvironment({ SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) });
});
afterEach(() => {
  killServerProcesses();
  stub.reset();
});
afterAll(async () => {
  await stub.close();
  await environment.dispose();
});

/** Opens `/api/v1/events` over its own connection; `ended` settles when the server ends the stream. */
function openRawEventStream(url: string, token: string) {
  return new Promise<{ ended: Promise<void> }>((resolve, reject) => {
    http
      .get(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } }, (response) => {
        expect(response.statusCode).toBe(200);
        const ended = new Promise<void>((settle) => response.once('close', () => settle()));
        response.once('data', () => resolve({ ended }));
        response.resume();
      })
      .once('error', reject);
  });
}

async function createAgent(api: HttpClient, owner: TestAccount) {
  const as = { token: owner.token };
  const provider = await api.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as,
  );
  expect(provider.status).toBe(201);
  const agent = await api.post(
    '/api/v1/agents',
    {
      name: 'Interrupted',
      provider_id: provider.body.id,
      model: 'shutdown-model',
      show_suggestions_after_each_message: false,
    },
    as,
  );
  expect(agent.status).toBe(201);
  return agent.body.id as string;
}

describe('SIGTERM', () => {
  it('exits 0 at once with idle keep-alive clients, an events stream and an event socket open', {
    timeout: 60_000,
  }, async () => {
    const server = await startServerProcess(environment.env);
    const owner = await registerAccount(createHttpClient(server.url));
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const healthOverKeepAlive = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get(`${server.url}/health`, { agent: keepAlive }, (response) => {
            response.resume();
            response.once('end', () => resolve(response.statusCode ?? 0));
          })
          .once('error', reject);
      });
    expect(await Promise.all(Array.from({ length: 8 }, healthOverKeepAlive))).toEqual(Array(8).fill(200));
    const idleSockets = Object.values(keepAlive.freeSockets).flat();
    expect(idleSockets.length).toBeGreaterThan(1);
    const events = await openRawEventStream(server.url, owner.token);
    const socket = await openEventSocket(`${server.url.replace('http', 'ws')}/api/v1/ws`, {
      authorization: `Bearer ${owner.token}`,
    });
    const socketClosed = new Promise<void>((resolve) => socket.socket.once('close', () => resolve()));

    const signalled = performance.now();
    const code = await server.stop('SIGTERM');
    const exitMs = Math.round(performance.now() - signalled);
    console.log(
      `SIGTERM with ${idleSockets.length} idle keep-alive connections, an SSE stream and a WebSocket: exit ${code} after ${exitMs} ms`,
    );
    expect(code).toBe(0);
    // Far below the grace period, which only in-flight work may use.
    expect(exitMs).toBeLessThan((GRACE_SECONDS * 1000) / 2);
    // Both streams were ended by the server (the client reconnects to a process that runs).
    await Promise.all([events.ended, socketClosed]);
    keepAlive.destroy();
  });

  it('lets a short turn finish, ends a turn that outlives the grace period cancelled with the reason, and exits 0', {
    timeout: 90_000,
  }, async () => {
    const server = await startServerProcess(environment.env);
    const api = createHttpClient(server.url);
    const owner = await registerAccount(api);
    const agentId = await createAgent(api, owner);
    const executeUrl = `${server.url}/api/v1/agents/${agentId}/execute`;
    stub.setScript((request) =>
      JSON.stringify(request.body).includes('quick question')
        ? { type: 'text', text: 'A quick answer in a few words.', chunkDelayMs: 250 }
        : { type: 'hang' },
    );

    const streamed = postForEvents(executeUrl, { message: 'slow question, streamed', stream: true }, owner);
    const plain = api.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'slow question', stream: false },
      owner,
    );
    const quick = api.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'quick question', stream: false },
      owner,
    );
    const modelCalls = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');
    await expect.poll(() => modelCalls().length, { timeout: 15_000 }).toBe(3);

    const signalled = performance.now();
    const code = await server.stop('SIGTERM');
    const exitMs = Math.round(performance.now() - signalled);
    console.log(
      `SIGTERM with turns in flight, SHUTDOWN_GRACE_SECONDS=${GRACE_SECONDS}: exit ${code} after ${exitMs} ms`,
    );
    expect(code).toBe(0);

    const quickAnswer = await quick;
    expect(quickAnswer.status, JSON.stringify(quickAnswer.body)).toBe(200);
    expect(quickAnswer.body.content).toBe('A quick answer in a few words.');
    const plainAnswer = await plain;
    expect(plainAnswer.status).toBe(503);
    expect(plainAnswer.body).toMatchObject({ code: 'shutdown' });
    expect(plainAnswer.headers.get('retry-after')).toBe('1');
    const stream = await streamed;
    expect(stream.events.at(-1)).toMatchObject({
      event: 'run-failed',
      data: { code: 'shutdown', message: expect.stringContaining('server shut down') },
    });

    // What was recorded, read by the next server on the same database.
    const next = await startServerProcess(environment.env);
    const after = createHttpClient(next.url);
    const listed = await after.get(`/api/v1/runs?agent_id=${agentId}&limit=10`, owner);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    const runs = listed.body as {
      id: string;
      status: string;
      error: { code: string; message: string } | null;
    }[];
    expect(runs).toHaveLength(3);
    const cancelled = runs.filter((run) => run.status === 'cancelled');
    expect(cancelled.map((run) => run.id)).toContain(stream.events.at(-1)?.data.run_id);
    expect(cancelled).toHaveLength(2);
    for (const run of cancelled) {
      expect(run.error).toEqual({
        code: 'shutdown',
        message: 'The server shut down before the turn finished (it outlived the shutdown grace period)',
      });
    }
    expect(runs.find((run) => run.id === quickAnswer.body.run_id)?.status).toBe('completed');
    expect(await next.stop('SIGTERM')).toBe(0);
  });
});
