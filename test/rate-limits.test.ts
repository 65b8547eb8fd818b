import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { changeOrganizationTier } from '../src/modules/limits/index.ts';
import { rowsOf } from '../src/platform/db/database.ts';
import { type RunningAgentry, secretKeyFor, startAgentry } from '../src/server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { createHttpClient, type HttpClient } from './support/http-client.ts';
import { runAgentryCommand } from './support/server-process.ts';
import { startTestApp, TEST_JWT_SECRET, TEST_SECRET_KEY, type TestApp } from './support/test-app.ts';
import { testDatabaseKind } from './support/test-database.ts';

/** Every limit at its default (the test app turns them off unless told otherwise). */
const DEFAULT_LIMITS = { RATE_LIMIT_ENABLED: 'true' };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp(DEFAULT_LIMITS);
});
afterAll(() => app.close());

/** Sends `GET /agents` until the first 429 (at most `attempts` times); the request number of that 429. */
async function firstRefusal(http: HttpClient, token: string, attempts: number) {
  for (let request = 1; request <= attempts; request++) {
    const response = await http.get('/api/v1/agents', { token });
    if (response.status === 429) return { request, response };
    expect(response.status).toBe(200);
  }
  return { request: null, response: null };
}

describe('seed 000, security validation, Test 3: rate limiting enforcement', () => {
  it('answers 429 within 100 GET /agents in a row on a new organization, with the default settings', async () => {
    const account = await registerAccount(app.http);
    const { request } = await firstRefusal(app.http, account.token, 100);
    // A new organization is on the free tier: 60 reads a minute, so the 61st is refused (the
    // 62nd when the requests straddle a minute boundary, where the previous minute weighs less).
    expect(request).toBeGreaterThanOrEqual(61);
    expect(request).toBeLessThanOrEqual(62);
  });
});

describe('rate limits per tier and route class', () => {
  let account: TestAccount;
  beforeAll(async () => {
    account = await registerAccount(app.http);
  });

  it('puts the RateLimit headers on successful responses', async () => {
    const first = await app.http.get('/api/v1/me', { token: account.token });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('60');
    expect(first.headers.get('ratelimit-remaining')).toBe('59');
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(Number(first.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
    const second = await app.http.get('/api/v1/agents', { token: account.token });
    expect(second.headers.get('ratelimit-remaining')).toBe('58');
  });

  it('counts each class apart: writes have their own, smaller budget (10 a minute on free)', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 11; index++) {
      const created = await app.http.post(
        '/api/v1/agents',
        { name: `Agent ${index}` },
        { token: account.token },
      );
      statuses.push(created.status);
      if (index === 0) expect(created.headers.get('ratelimit-limit')).toBe('10');
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429]);
    // Reads go on.
    expect((await app.http.get('/api/v1/agents', { token: account.token })).status).toBe(200);
  });

  it('refuses with 429 rate_limited in the standard error body, Retry-After and the headers', async () => {
    const { request, response } = await firstRefusal(app.http, account.token, 100);
    expect(request).not.toBeNull();
    if (!response) return;
    expectError(response, 429, 'rate_limited');
    expect(response.body.details).toEqual({
      route_class: 'reads',
      limit: 60,
      window_seconds: 60,
      tier: 'free',
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(response.headers.get('ratelimit-limit')).toBe('60');
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect(response.headers.get('ratelimit-reset')).toBe(String(retryAfter));
  });

  it('applies a tier change made by the operator command from the next request', async () => {
    // This organization's reads are spent (above); on pro it has 300 a minute.
    expect((await app.http.get('/api/v1/agents', { token: account.token })).status).toBe(429);
    const changed = await changeOrganizationTier(app.database, account.organizationId, 'pro');
    expect(changed).toMatchObject({ id: account.organizationId, tier: 'pro' });
    await expect
      .poll(async () => (await app.http.get('/api/v1/agents', { token: account.token })).status)
      .toBe(200);
    const response = await app.http.get('/api/v1/agents', { token: account.token });
    expect(response.headers.get('ratelimit-limit')).toBe('300');
    expect(await changeOrganizationTier(app.database, 'no-such-organization', 'pro')).toBeUndefined();
  });

  it('limits the anonymous auth routes per client address', async () => {
    const limited = await startTestApp({
      ...DEFAULT_LIMITS,
      RATE_LIMIT_AUTH_PER_MINUTE: '3',
      TRUST_PROXY: 'true',
    });
    try {
      const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
      const attempt = (address: string) =>
        limited.http.post(
          '/api/v1/auth/login',
          { email: 'nobody@example.com', password: 'wrong-password' },
          from(address),
        );
      expect([(await attempt('192.0.2.1')).status, (await attempt('192.0.2.1')).status]).toEqual([401, 401]);
      const refresh = await limited.http.post(
        '/api/v1/auth/refresh',
        { refresh_token: 'rt_unknown' },
        from('192.0.2.1'),
      );
      expect(refresh.status).toBe(401);
      const refused = await attempt('192.0.2.1');
      expectError(refused, 429, 'rate_limited');
      expect(refused.body.details).toMatchObject({ route_class: 'auth', limit: 3, tier: null });
      expect((await attempt('192.0.2.2')).status).toBe(401);
    } finally {
      await limited.close();
    }
  });
});

describe('the operator command', () => {
  it.runIf(testDatabaseKind === 'postgres')(
    'agentry organizations set-tier changes a running server’s limits, by slug',
    async () => {
      const account = await registerAccount(app.http);
      const me = await app.http.get('/api/v1/me', { token: account.token });
      const slug = me.body.organization.slug as string;
      const env = { DATABASE_URL: app.database.url as string };
      const unknownOrganization = await runAgentryCommand(
        ['organizations', 'set-tier', 'nobody', 'pro'],
        env,
      );
      expect(unknownOrganization.code).toBe(1);
      expect(unknownOrganization.output).toContain('No organization has the id or slug nobody');
      const changed = await runAgentryCommand(['organizations', 'set-tier', slug, 'enterprise'], env);
      expect(changed.output).toContain('is now on the enterprise tier');
      expect(changed.code).toBe(0);
      await expect
        .poll(async () =>
          (await app.http.get('/api/v1/agents', { token: account.token })).headers.get('ratelimit-limit'),
        )
        .toBe('1200');
    },
  );
});

describe('RATE_LIMIT_ENABLED=false', () => {
  it('admits everything: no 429, no RateLimit headers, no sign-in lock', async () => {
    const open = await startTestApp({ RATE_LIMIT_ENABLED: 'false' });
    try {
      const account = await registerAccount(open.http);
      const { request } = await firstRefusal(open.http, account.token, 150);
      expect(request).toBeNull();
      const response = await open.http.get('/api/v1/agents', { token: account.token });
      expect(response.headers.get('ratelimit-limit')).toBeNull();
      for (let attempt = 0; attempt < 8; attempt++) {
        const wrong = await open.http.post('/api/v1/auth/login', {
          email: account.email,
          password: 'wrong-password',
        });
        expect(wrong.status).toBe(401);
      }
      const right = await open.http.post('/api/v1/auth/login', {
        email: account.email,
        password: 'TestPassword123!',
      });
      expect(right.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

/** A second Agentry API on the test app's database, as another process of the split topology would be. */
async function secondServer(): Promise<RunningAgentry & { http: HttpClient }> {
  const config = loadConfig({
    JWT_SECRET: TEST_JWT_SECRET,
    AGENTRY_SECRET_KEY: TEST_SECRET_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...DEFAULT_LIMITS,
  });
  const running = await startAgentry({
    config,
    database: app.database,
    jwtSecret: TEST_JWT_SECRET,
    secretKey: secretKeyFor(config),
    role: 'api',
  });
  return { ...running, http: createHttpClient(running.url as string) };
}

describe('two servers on one database', () => {
  it('share an organization’s budget, and its tier changes', async () => {
    const second = await secondServer();
    try {
      const account = await registerAccount(app.http);
      const { request } = await firstRefusal(app.http, account.token, 100);
      expect(request).toBe(61);
      // Once the first server has sent its counts (every 200 ms), the second knows them too.
      const key = `organization:${account.organizationId}:reads`;
      await expect
        .poll(
          async () =>
            rowsOf<{ total: number | null }>(
              await app.database.db.execute(
                sql`select sum(count)::int as total from rate_limit_counters where key = ${key}`,
              ),
            )[0]?.total,
        )
        .toBe(60);
      // The second server had never seen this organization: it admits what arrives before it has
      // read the shared count (a request or two), then refuses.
      const onSecond = await firstRefusal(second.http, account.token, 60);
      expect(onSecond.request).not.toBeNull();
      expect(onSecond.request).toBeLessThanOrEqual(4);
      expectError(onSecond.response as NonNullable<typeof onSecond.response>, 429, 'rate_limited');

      await changeOrganizationTier(app.database, account.organizationId, 'enterprise');
      await expect
        .poll(async () =>
          (await second.http.get('/api/v1/agents', { token: account.token })).headers.get('ratelimit-limit'),
        )
        .toBe('1200');
    } finally {
      await second.stop();
    }
  });
});

describe('with REDIS_URL', () => {
  it('counts in Redis', async () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const withRedis = await startTestApp({ ...DEFAULT_LIMITS, REDIS_URL: redisUrl });
    const redis = new Redis(redisUrl);
    try {
      const account = await registerAccount(withRedis.http);
      const { request } = await firstRefusal(withRedis.http, account.token, 100);
      expect(request).toBe(61);
      await expect
        .poll(async () => {
          const keys = await redis.keys(`agentry:rate:organization:${account.organizationId}:reads:*`);
          const counts = await Promise.all(keys.map((key) => redis.get(key)));
          return counts.reduce((total, count) => total + Number(count), 0);
        })
        .toBe(60);
    } finally {
      redis.disconnect();
      await withRedis.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('lists the 429 of limited routes, in OpenAI’s body under /v1', async () => {
    const { body: document } = await app.http.get('/openapi.json');
    expect(document.paths['/api/v1/agents'].get.responses['429']).toBeDefined();
    expect(document.paths['/api/v1/auth/login'].post.responses['429']).toBeDefined();
    expect(document.paths['/v1/chat/completions'].post.responses['429']).toBeDefined();
    expect(document.paths['/health'].get.responses['429']).toBeUndefined();
  });
});
