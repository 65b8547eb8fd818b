import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount } from '../support/accounts.ts';
import { expectError } from '../support/assertions.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * An access token lives for minutes, but the account behind it may change sooner: a disabled user's
 * tokens are refused, and a demoted user's tokens act with the new role, as soon as the change is
 * known (at once in the process that made it, through the event bus in every other one).
 */
describe('the account behind an access token', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('stops working when its user is disabled, and works again once re-enabled', async () => {
    const admin = await registerAccount(app.http);
    const member = await addMember(app.http, admin, 'agent_user');
    expect((await app.http.get('/api/v1/agents', { token: member.token })).status).toBe(200);

    const disabled = await app.http.patch(
      `/api/v1/users/${member.userId}`,
      { status: 'disabled' },
      { token: admin.token },
    );
    expect(disabled.status).toBe(200);
    expectError(await app.http.get('/api/v1/agents', { token: member.token }), 401, 'invalid_token');
    expectError(await app.http.get('/api/v1/me', { token: member.token }), 401, 'invalid_token');

    await app.http.patch(`/api/v1/users/${member.userId}`, { status: 'active' }, { token: admin.token });
    expect((await app.http.get('/api/v1/agents', { token: member.token })).status).toBe(200);
  });

  it('acts with the new role once its user is demoted or promoted', async () => {
    const admin = await registerAccount(app.http);
    const deputy = await addMember(app.http, admin, 'org_admin');
    expect((await app.http.get('/api/v1/users', { token: deputy.token })).status).toBe(200);

    await app.http.patch(`/api/v1/users/${deputy.userId}`, { role: 'readonly' }, { token: admin.token });
    expectError(await app.http.get('/api/v1/users', { token: deputy.token }), 403, 'authorization_error');
    const me = await app.http.get('/api/v1/me', { token: deputy.token });
    expect(me.body.role).toBe('readonly');
    expectError(
      await app.http.post('/api/v1/agents', { name: 'Not allowed' }, { token: deputy.token }),
      403,
      'authorization_error',
    );

    expectError(
      await app.http.patch(`/api/v1/users/${deputy.userId}`, { role: 'org_admin' }, { token: deputy.token }),
      403,
      'authorization_error',
    );
    expect((await app.http.get(`/api/v1/users/${deputy.userId}`, { token: admin.token })).body.role).toBe(
      'readonly',
    );
    await app.http.patch(`/api/v1/users/${deputy.userId}`, { role: 'agent_admin' }, { token: admin.token });
    expect(
      (await app.http.post('/api/v1/agents', { name: 'Allowed now' }, { token: deputy.token })).status,
    ).toBe(201);
  });
});

describe.runIf(testDatabaseKind === 'postgres')('across processes (PostgreSQL)', () => {
  let environment: Awaited<ReturnType<typeof serverEnvironment>>;
  beforeAll(async () => {
    environment = await serverEnvironment();
  });
  afterEach(killServerProcesses);
  afterAll(() => environment.dispose());

  it('refuses a disabled user in the other process within seconds', { timeout: 60_000 }, async () => {
    const [first, second] = await Promise.all([
      startServerProcess(environment.env),
      startServerProcess(environment.env, ['--no-worker']),
    ]);
    const one = createHttpClient(first.url);
    const two = createHttpClient(second.url);
    const admin = await registerAccount(one);
    const member = await addMember(one, admin, 'agent_admin');
    // The second process knows the member as active before the change.
    expect((await two.get('/api/v1/agents', { token: member.token })).status).toBe(200);

    await one.patch(`/api/v1/users/${member.userId}`, { status: 'disabled' }, { token: admin.token });
    const changedAt = Date.now();
    await expect
      .poll(async () => (await two.get('/api/v1/agents', { token: member.token })).status, {
        timeout: 5_000,
        interval: 20,
      })
      .toBe(401);
    console.log(`disabled user refused by the other process after ${Date.now() - changedAt} ms`);
  });
});
