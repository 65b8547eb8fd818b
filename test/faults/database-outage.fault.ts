import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, TEST_PASSWORD, type TestAccount } from '../support/accounts.ts';
import { openEventSocket, openEventStream } from '../support/event-stream.ts';
import { type ApiResponse, createHttpClient, type HttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * A real server process whose every database connection (pool, job queue, LISTEN) goes through a
 * loopback TCP proxy, which the test cuts and restores: the outage is answered 503 with
 * Retry-After on every route, and everything heals by itself once the database is back.
 */
const POSTGRES_ONLY = 'PostgreSQL only: PGlite runs inside the process, it has no connection to lose';
const OUTAGE_MS = 4_000;

interface SampleRequest {
  name: string;
  /** The OpenAI-compatible facade answers errors in OpenAI's body. */
  openAi?: boolean;
  send(): Promise<ApiResponse>;
  /** Its status once the database is back. */
  succeeds: number;
}

function expectUnavailable(request: SampleRequest, response: ApiResponse) {
  const label = `${request.name}: ${response.status} ${JSON.stringify(response.body)}`;
  expect(response.status, label).toBe(503);
  expect(Number(response.headers.get('retry-after')), label).toBeGreaterThan(0);
  if (request.openAi) {
    expect(response.body, label).toEqual({
      error: { message: expect.any(String), type: 'server_error', param: null, code: 'database_unavailable' },
    });
    return;
  }
  expect(response.body, label).toMatchObject({
    error: true,
    code: request.name === 'readiness' ? 'not_ready' : 'database_unavailable',
    message: expect.any(String),
    correlation_id: response.headers.get('x-request-id'),
  });
}

/** The status of opening the live event stream; a stream that opens is closed at once. */
async function eventStreamStatus(url: string, token: string): Promise<ApiResponse> {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const streaming = response.headers.get('content-type')?.includes('text/event-stream');
  const body = streaming ? null : await response.json();
  controller.abort();
  return { status: response.status, headers: response.headers, body };
}

describe.runIf(testDatabaseKind === 'postgres')(`a database outage (${POSTGRES_ONLY})`, () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let http: HttpClient;
  let owner: TestAccount;
  let apiKey: string;
  let agentId: string;

  beforeAll(async () => {
    // Several hundred requests in a few seconds: far above the rate limits, which are not tested here.
    environment = await serverEnvironment({ RATE_LIMIT_ENABLED: 'false' });
    const directUrl = environment.env.DATABASE_URL as string;
    const target = new URL(directUrl);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    server = await startServerProcess({ ...environment.env, DATABASE_URL: proxy.urlThrough(directUrl) });
    http = createHttpClient(server.url);
    owner = await registerAccount(http);
    const key = await http.post('/api/v1/api-keys', { name: 'outage' }, { token: owner.token });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    apiKey = key.body.key;
    const agent = await http.post('/api/v1/agents', { name: 'Steady' }, { token: owner.token });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    agentId = agent.body.id;
  });
  afterAll(async () => {
    killServerProcesses();
    await proxy?.close();
    await environment?.dispose();
  });

  const sample = (): SampleRequest[] => {
    const jwt = { token: owner.token };
    const key = { token: apiKey };
    return [
      { name: 'list agents (JWT)', send: () => http.get('/api/v1/agents', jwt), succeeds: 200 },
      { name: 'list agents (API key)', send: () => http.get('/api/v1/agents', key), succeeds: 200 },
      { name: 'read an agent', send: () => http.get(`/api/v1/agents/${agentId}`, jwt), succeeds: 200 },
      {
        name: 'create an agent',
        send: () => http.post('/api/v1/agents', { name: 'Written' }, jwt),
        succeeds: 201,
      },
      {
        name: 'execute',
        send: () => http.post(`/api/v1/agents/${agentId}/execute`, { message: 'hello', stream: false }, jwt),
        succeeds: 200,
      },
      {
        name: 'sign in',
        send: () => http.post('/api/v1/auth/login', { email: owner.email, password: TEST_PASSWORD }),
        succeeds: 200,
      },
      {
        name: 'OpenAI chat completion (API key)',
        openAi: true,
        send: () =>
          http.post(
            '/v1/chat/completions',
            { model: agentId, messages: [{ role: 'user', content: 'hi' }] },
            key,
          ),
        succeeds: 200,
      },
      { name: 'event stream', send: () => eventStreamStatus(server.url, owner.token), succeeds: 200 },
      { name: 'readiness', send: () => http.get('/health/ready'), succeeds: 200 },
    ];
  };

  it('answers 503 database_unavailable with Retry-After on every route, then heals by itself', {
    timeout: 60_000,
  }, async () => {
    const bearer = { authorization: `Bearer ${owner.token}` };
    const before = await openEventStream(`${server.url}/api/v1/events`, bearer);
    const socketBefore = await openEventSocket(`${server.url.replace('http', 'ws')}/api/v1/ws`, bearer);
    expect(before.response.status).toBe(200);

    await proxy.cut();
    const cutAt = performance.now();
    let outageAnswers = 0;
    // A few seconds, so that the LISTEN connection's reconnection backs off to its longest delay.
    while (performance.now() - cutAt < OUTAGE_MS) {
      for (const request of sample()) {
        expectUnavailable(request, await request.send());
        outageAnswers++;
      }
    }
    const readiness = await http.get('/health/ready');
    expect(readiness.body.details.unavailable).toEqual(['database', 'events']);
    await expect(openEventSocket(`${server.url.replace('http', 'ws')}/api/v1/ws`, bearer)).rejects.toThrow(
      'HTTP 503',
    );
    expect(server.child.exitCode).toBeNull();

    await proxy.restore();
    const restoredAt = performance.now();
    // Agents created once the database is back, until the stream opened before the outage hears one.
    const created = new Set<string>();
    const heardAgain = () =>
      before.events.some((event) => event.type === 'agent-created' && created.has(event.data.agent_id));
    while (!heardAgain() && performance.now() - restoredAt < 20_000) {
      const agent = await http.post('/api/v1/agents', { name: 'After' }, { token: owner.token });
      if (agent.status === 201) created.add(agent.body.id);
      else expect(agent.status, JSON.stringify(agent.body)).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(heardAgain(), 'events flow again after the restore').toBe(true);
    const secondsUntilEvents = (performance.now() - restoredAt) / 1000;

    for (const request of sample()) {
      const response = await request.send();
      expect(response.status, `${request.name}: ${JSON.stringify(response.body)}`).toBe(request.succeeds);
    }

    const after = await openEventStream(`${server.url}/api/v1/events`, bearer);
    const agent = await http.post('/api/v1/agents', { name: 'Heard by all' }, { token: owner.token });
    expect(agent.status).toBe(201);
    const heard = (events: { type: string; data: Record<string, unknown> }[]) =>
      events.some((event) => event.type === 'agent-created' && event.data.agent_id === agent.body.id);
    await expect.poll(() => heard(before.events), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => heard(after.events), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => heard(socketBefore.events), { timeout: 5_000 }).toBe(true);
    before.close();
    after.close();
    socketBefore.close();

    console.log(
      `database outage of ${OUTAGE_MS / 1000} s: ${outageAnswers} requests (${sample().length} routes) and a ` +
        `WebSocket upgrade answered 503 with Retry-After, none 500; events flowed again ` +
        `${secondsUntilEvents.toFixed(2)} s after the database came back`,
    );
  });
});
