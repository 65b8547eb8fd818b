import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, TEST_PASSWORD, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Brute force on sign-in, as an attacker would send it: the locks of docs/limits.md, with short
 * lock times so that the test sees them end (and long ones where a burst must stay locked however
 * slowly a busy machine sends it). The per-address rate limit of the auth routes is raised out of
 * the way: these are the locks' own refusals.
 */
const LOCK_SECONDS = 2;

const lockSettings = (lockSeconds: number) => ({
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  TRUST_PROXY: 'true',
  LOGIN_LOCKOUT_THRESHOLD: '5',
  LOGIN_LOCKOUT_BASE_SECONDS: String(lockSeconds),
  LOGIN_LOCKOUT_MAX_SECONDS: String(2 * lockSeconds),
  LOGIN_ADDRESS_LOCKOUT_THRESHOLD: '8',
  LOGIN_ACCOUNT_LOCKOUT_THRESHOLD: '6',
});

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp(lockSettings(LOCK_SECONDS));
});
afterAll(() => app.close());

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
const loginTo = (target: TestApp, email: string, password: string, address: string) =>
  target.http.post('/api/v1/auth/login', { email, password }, from(address));
const login = (email: string, password: string, address: string) => loginTo(app, email, password, address);

describe('300 wrong passwords in a row', () => {
  // Locks outlast the burst, however long 300 requests take here.
  const LONG_LOCK_SECONDS = 300;
  let longLocks: TestApp;
  let victim: TestAccount;
  beforeAll(async () => {
    longLocks = await startTestApp(lockSettings(LONG_LOCK_SECONDS));
    victim = await registerAccount(longLocks.http);
  });
  afterAll(() => longLocks.close());

  it('are refused with 429 from the 6th on, and the right password from that address too', async () => {
    const attacker = '203.0.113.7';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 300; attempt++) {
      statuses.push((await loginTo(longLocks, victim.email, 'not-the-password', attacker)).status);
    }
    const firstRefused = statuses.indexOf(429) + 1;
    expect(firstRefused).toBe(6);
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));

    const refused = await loginTo(longLocks, victim.email, TEST_PASSWORD, attacker);
    expectError(refused, 429, 'sign_in_locked');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(LONG_LOCK_SECONDS);
  });

  it('leave the account open from another address', async () => {
    expect((await loginTo(longLocks, victim.email, TEST_PASSWORD, '198.51.100.9')).status).toBe(200);
  });
});

describe('a locked address', () => {
  it('is locked for a while only: the lock ends by itself, and a success resets the count', async () => {
    const victim = await registerAccount(app.http);
    const attacker = '203.0.113.8';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push((await login(victim.email, 'not-the-password', attacker)).status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), 429]);
    await expect
      .poll(async () => (await login(victim.email, TEST_PASSWORD, attacker)).status, {
        timeout: (LOCK_SECONDS + 3) * 1000,
        interval: 250,
      })
      .toBe(200);
    // Counted from zero again: a mistake is a 401, not a lock.
    expect((await login(victim.email, 'not-the-password', attacker)).status).toBe(401);
  });
});

describe('failures over many accounts', () => {
  it('lock the address they come from, for every account, and refreshes too', async () => {
    const stuffer = '203.0.113.50';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      statuses.push((await login(`guess-${randomUUID()}@example.com`, 'password1', stuffer)).status);
    }
    expect(statuses).toEqual([...Array(8).fill(401), 429]);
    const account = await registerAccount(app.http);
    expectError(await login(account.email, TEST_PASSWORD, stuffer), 429, 'sign_in_locked');
    const refresh = await app.http.post(
      '/api/v1/auth/refresh',
      { refresh_token: account.refreshToken },
      from(stuffer),
    );
    expectError(refresh, 429, 'sign_in_locked');
    expect((await login(account.email, TEST_PASSWORD, '203.0.113.51')).status).toBe(200);
  });

  it('count unknown refresh tokens against the address', async () => {
    const address = '203.0.113.60';
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      const refresh = await app.http.post(
        '/api/v1/auth/refresh',
        { refresh_token: `rt_${randomUUID()}` },
        from(address),
      );
      statuses.push(refresh.status);
    }
    expect(statuses).toEqual([...Array(8).fill(401), 429]);
  });
});

describe('failures on one account from many addresses', () => {
  it('lock the account briefly, but never from an address it signed in from', async () => {
    const account = await registerAccount(app.http);
    const home = '192.0.2.10';
    expect((await login(account.email, TEST_PASSWORD, home)).status).toBe(200);
    // A distributed attack: one wrong password from each of six addresses.
    for (let attempt = 0; attempt < 6; attempt++) {
      expect((await login(account.email, 'not-the-password', `198.18.0.${attempt + 1}`)).status).toBe(401);
    }
    expectError(await login(account.email, TEST_PASSWORD, '198.18.1.1'), 429, 'sign_in_locked');
    // The user's own address is spared: the attacker cannot keep them out.
    expect((await login(account.email, TEST_PASSWORD, home)).status).toBe(200);
  });
});
