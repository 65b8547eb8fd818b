import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.ts';

/** What a new user meets in the first ten minutes (issue 14): each stumble answers clearly. */
let app: TestApp;
let account: TestAccount;
beforeAll(async () => {
  app = await startTestApp();
  account = await registerAccount(app.http);
});
afterAll(() => app.close());

function accessToken(options: { secret?: string; expiredSecondsAgo?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: account.organizationId, role: 'org_admin' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(account.userId)
    .setIssuer('agentry')
    .setAudience('agentry-api')
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - (options.expiredSecondsAgo ?? -600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

describe('an access token past its expiry', () => {
  it('answers 401 token_expired, saying to refresh or sign in again', async () => {
    const response = await app.http.get('/api/v1/agents', {
      token: await accessToken({ expiredSecondsAgo: 5 }),
    });
    expectError(response, 401, 'token_expired');
    expect(response.body.message).toMatch(/refresh.*sign in again/);
  });

  it('stays invalid_token when its signature is not the server’s', async () => {
    const forged = await accessToken({
      secret: 'another-secret-that-is-long-enough-for-hs256',
      expiredSecondsAgo: 5,
    });
    expectError(await app.http.get('/api/v1/agents', { token: forged }), 401, 'invalid_token');
  });

  it('is still accepted before its expiry', async () => {
    expect((await app.http.get('/api/v1/agents', { token: await accessToken() })).status).toBe(200);
  });
});

describe('a request in the wrong shape', () => {
  const send = (method: string, path: string, init: { type?: string; body?: string } = {}) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${account.token}`,
        ...(init.type ? { 'content-type': init.type } : {}),
      },
      body: init.body,
    });

  it('answers 405 with Allow for a method the path does not take, and 404 for a path that does not exist', async () => {
    const wrongMethod = await send('PUT', '/api/v1/agents');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await wrongMethod.json()).toMatchObject({
      error: true,
      code: 'method_not_allowed',
      details: { allowed_methods: ['GET', 'HEAD', 'POST'] },
      correlation_id: wrongMethod.headers.get('x-request-id'),
    });
    const withParameter = await send('POST', '/api/v1/agents/0195a4d2-7c1e-7000-8000-000000000000/');
    expect(withParameter.status).toBe(405);
    expect(withParameter.headers.get('allow')).toContain('GET');
    expect((await send('GET', '/api/v1/no-such-things')).status).toBe(404);
  });

  it('answers 415 to a body that is not JSON on a JSON route, and creates nothing', async () => {
    const plain = await send('POST', '/api/v1/agents', { type: 'text/plain', body: '{"name":"Plain"}' });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({
      error: true,
      code: 'unsupported_media_type',
      error_code: 'validation_error',
      message: expect.stringContaining('application/json'),
    });
    expect((await app.http.get('/api/v1/agents', { token: account.token })).body).toEqual([]);
  });
});

describe('an unknown query parameter', () => {
  it('is refused with 422 naming it, as an unknown body field is', async () => {
    const typo = await app.http.get('/api/v1/agents?limt=5', { token: account.token });
    expectError(typo, 422, 'validation_error');
    expect(typo.body.validation_errors).toEqual([
      { field: 'limt', location: 'querystring', message: 'unknown field', value: '5' },
    ]);
  });

  it('leaves declared parameters, and the credential of streaming routes, as they were', async () => {
    expect((await app.http.get('/api/v1/agents?limit=5&offset=0', { token: account.token })).status).toBe(
      200,
    );
    const streamed = await fetch(`${app.url}/api/v1/events?access_token=${account.token}`);
    expect(streamed.status).toBe(200);
    await streamed.body?.cancel();
  });
});

describe('a provider on a loopback address, as a local Ollama is', () => {
  it('is refused with 400, saying how the operator allows it (OUTBOUND_ALLOWLIST), and not created', async () => {
    const refused = await app.http.post(
      '/api/v1/providers',
      { name: 'Local Ollama', type: 'ollama', base_url: 'http://127.0.0.1:11434' },
      { token: account.token },
    );
    expectError(refused, 400, 'outbound_url_blocked');
    expect(refused.body.message).toContain('adds 127.0.0.1:11434 to OUTBOUND_ALLOWLIST');
    expect(refused.body.details).toMatchObject({
      host: '127.0.0.1:11434',
      allowlist_entry: '127.0.0.1:11434',
    });
    expect((await app.http.get('/api/v1/providers', { token: account.token })).body).toEqual([]);
  });
});

describe('CORS_ORIGINS', () => {
  const consoleOrigin = 'https://console.example.com';
  const preflight = (url: string, origin: string) =>
    fetch(`${url}/api/v1/agents`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('is off by default: no CORS headers, even for a preflight', async () => {
    const answer = await preflight(app.url, consoleOrigin);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${app.url}/health/ready`, { headers: { origin: consoleOrigin } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an allowed origin’s preflight and requests, and nothing to another origin', async () => {
    const cors = await startTestApp({ CORS_ORIGINS: `${consoleOrigin}, http://localhost:5173/` });
    try {
      const allowed = await preflight(cors.url, consoleOrigin);
      expect(allowed.status).toBe(204);
      expect(Object.fromEntries(allowed.headers)).toMatchObject({
        'access-control-allow-origin': consoleOrigin,
        'access-control-allow-methods': expect.stringContaining('POST'),
        'access-control-allow-headers': 'authorization, content-type',
        vary: 'Origin',
      });
      const owner = await registerAccount(cors.http);
      const simple = await cors.http.get('/api/v1/agents', {
        token: owner.token,
        headers: { origin: 'http://localhost:5173' },
      });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(simple.headers.get('access-control-expose-headers')).toContain('x-request-id');

      const stranger = 'https://evil.example.net';
      const refusedPreflight = await preflight(cors.url, stranger);
      expect(refusedPreflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(refusedPreflight.status).not.toBe(204);
      const refused = await cors.http.get('/api/v1/agents', {
        token: owner.token,
        headers: { origin: stranger },
      });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await cors.close();
    }
  });

  it('allows any origin with *', async () => {
    const open = await startTestApp({ CORS_ORIGINS: '*' });
    try {
      const answer = await preflight(open.url, 'https://anywhere.example.org');
      expect(answer.status).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await open.close();
    }
  });

  it('refuses a configuration whose entry is not an origin', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://console.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });
});

describe('agentry serve on the embedded database', () => {
  it('says that the database is starting and where it listens, in JSON lines like every other line', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'agentry-first-start-'));
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        // The start window of test/support/server-process.ts: a loaded CI machine needs it.
        const timer = setTimeout(() => reject(new Error(`no start:\n${stdout}\n${stderr}`)), 90_000);
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (stdout.includes('listening on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${stderr}`)));
      });
      const lines = `${stdout}${stderr}`.split('\n').filter(Boolean);
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      const messages = lines.map((line) => JSON.parse(line).msg);
      expect(messages[0]).toBe(`Starting the embedded database in ${join(dataDir, 'db')} ...`);
      expect(messages).toContainEqual(
        expect.stringMatching(/^Agentry \S+ is listening on http:\/\/127\.0\.0\.1:\d+ /),
      );
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
