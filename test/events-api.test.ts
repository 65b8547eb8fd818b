import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/platform/db/open-database.ts';
import { startAgentry } from '../src/server.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { openEventSocket, openEventStream } from './support/event-stream.ts';
import { createHttpClient } from './support/http-client.ts';
import { startTestApp, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

let app: TestApp;
let alice: TestAccount;
let bob: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  alice = await registerAccount(app.http, 'Alice');
  bob = await registerAccount(app.http, 'Bob');
});
afterAll(() => app.close());

const bearer = (account: TestAccount) => ({ authorization: `Bearer ${account.token}` });
const createAgent = (account: TestAccount, name: string) =>
  app.http.post('/api/v1/agents', { name }, { token: account.token });

describe('GET /api/v1/events (Server-Sent Events)', () => {
  it('streams the organization’s own events, in order, and nothing of another organization', async () => {
    const aliceStream = await openEventStream(`${app.url}/api/v1/events`, bearer(alice));
    const bobStream = await openEventStream(`${app.url}/api/v1/events`, bearer(bob));
    expect(aliceStream.response.headers.get('content-type')).toContain('text/event-stream');
    expect(aliceStream.response.headers.get('x-request-id')).toBeTruthy();

    const agent = (await createAgent(alice, 'Live')).body;
    await app.http.patch(`/api/v1/agents/${agent.id}`, { role: 'Streamer' }, { token: alice.token });
    await app.http.delete(`/api/v1/agents/${agent.id}`, { token: alice.token });
    await expect.poll(() => aliceStream.events.length, { timeout: 5_000 }).toBe(3);
    expect(aliceStream.events.map((event) => event.type)).toEqual([
      'agent-created',
      'agent-updated',
      'agent-deleted',
    ]);
    expect(aliceStream.events[1]).toMatchObject({
      organization_id: alice.organizationId,
      data: { agent_id: agent.id, version: 2, changed_fields: ['role'] },
    });

    // Bob's first event is his own: none of Alice's reached him.
    const bobsAgent = (await createAgent(bob, 'Bob’s')).body;
    await expect.poll(() => bobStream.events.length, { timeout: 5_000 }).toBe(1);
    expect(bobStream.events[0]).toMatchObject({ type: 'agent-created', data: { agent_id: bobsAgent.id } });
    aliceStream.close();
    bobStream.close();
  });

  it('accepts ?access_token= for browsers, keeps it out of the logs, and lets readonly members listen', async () => {
    const reader = await addMember(app.http, alice, 'readonly');
    const stream = await openEventStream(`${app.url}/api/v1/events?access_token=${reader.token}`);
    expect(stream.response.status).toBe(200);
    await createAgent(alice, 'Seen by readonly');
    await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBe(1);
    stream.close();
    expect(app.logs.join('\n')).not.toContain(reader.token);
  });

  it('refuses missing or invalid credentials with 401', async () => {
    expect((await app.http.get('/api/v1/events')).status).toBe(401);
    expect((await app.http.get('/api/v1/events?access_token=nonsense')).status).toBe(401);
  });
});

describe('run events', () => {
  it('announces a turn as run-started, then run-completed with its usage', async () => {
    const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(alice));
    const agent = (await createAgent(alice, 'Runner')).body;
    const turn = await app.http.post(
      `/api/v1/agents/${agent.id}/execute`,
      { message: 'hello there', stream: false },
      { token: alice.token },
    );
    expect(turn.status).toBe(200);
    await expect
      .poll(() => stream.events.filter((event) => event.type.startsWith('run-')).length, { timeout: 5_000 })
      .toBe(2);
    const runEvents = stream.events.filter((event) => event.type.startsWith('run-'));
    expect(runEvents.map((event) => event.type)).toEqual(['run-started', 'run-completed']);
    expect(runEvents[1]).toMatchObject({
      data: {
        run_id: turn.body.run_id,
        agent_id: agent.id,
        session_id: turn.body.session_id,
        trigger: 'chat',
      },
    });
    expect(runEvents[1]?.data.usage.total_tokens).toBeGreaterThan(0);
    stream.close();
  });
});

describe('GET /api/v1/ws (WebSocket)', () => {
  it('pushes the organization’s events as JSON messages', async () => {
    const socket = await openEventSocket(`${app.url.replace('http', 'ws')}/api/v1/ws`, bearer(alice));
    const agent = (await createAgent(alice, 'Socket')).body;
    await expect.poll(() => socket.events.length, { timeout: 5_000 }).toBe(1);
    expect(socket.events[0]).toMatchObject({ type: 'agent-created', data: { agent_id: agent.id } });
    socket.close();
  });

  it('refuses the upgrade without valid credentials', async () => {
    await expect(openEventSocket(`${app.url.replace('http', 'ws')}/api/v1/ws`)).rejects.toThrow('HTTP 401');
    await expect(
      openEventSocket(`${app.url.replace('http', 'ws')}/api/v1/ws`, { authorization: 'Bearer nope' }),
    ).rejects.toThrow('HTTP 401');
  });
});

describe.runIf(testDatabaseKind === 'postgres')('across processes (PostgreSQL)', () => {
  it('delivers an event published by another Agentry process through the database', async () => {
    const database = await openDatabase({ kind: 'postgres', url: app.database.url as string, poolMax: 2 });
    const config = loadConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const other = await startAgentry({
      config,
      database,
      jwtSecret: TEST_JWT_SECRET,
      secretKey: Buffer.from(TEST_SECRET_KEY, 'hex'),
      role: 'api',
    });
    try {
      const stream = await openEventStream(`${app.url}/api/v1/events`, bearer(alice));
      const agent = await createHttpClient(other.url as string).post(
        '/api/v1/agents',
        { name: 'Elsewhere' },
        {
          token: alice.token,
        },
      );
      await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBe(1);
      expect(stream.events[0]).toMatchObject({ type: 'agent-created', data: { agent_id: agent.body.id } });
      stream.close();
    } finally {
      await other.stop();
      await database.close();
    }
  });
});
