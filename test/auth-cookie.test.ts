import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

let sequence = 0;
const account = () => ({
  email: `cookie-${++sequence}@example.com`,
  password: 'correct-horse-battery-staple',
  full_name: 'Cookie Person',
});

/** The `agentry_refresh` cookie a response set, as `name=value` plus its attributes. */
const refreshCookieOf = (response: Response) =>
  response.headers.getSetCookie().find((cookie) => cookie.startsWith('agentry_refresh='));

const post = (path: string, body: object, cookie?: string) =>
  fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

describe('refresh tokens delivered in a cookie (the web console’s sign-in)', () => {
  it('keeps the refresh token out of the body, in an httpOnly SameSite=Strict cookie of the auth routes', async () => {
    const registered = await post('/api/v1/auth/register', {
      ...account(),
      refresh_token_delivery: 'cookie',
    });
    expect(registered.status).toBe(201);
    const body: any = await registered.json();
    expect(body.access_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('refresh_token');
    const cookie = refreshCookieOf(registered);
    expect(cookie).toMatch(
      /^agentry_refresh=rt_[^;]+; Max-Age=\d+; Path=\/api\/v1\/auth; HttpOnly; SameSite=Strict$/,
    );
  });

  it('rotates through the cookie, refuses a rotated cookie, and signs out by clearing it', async () => {
    const details = account();
    await post('/api/v1/auth/register', details);
    const signedIn = await post('/api/v1/auth/login', {
      email: details.email,
      password: details.password,
      refresh_token_delivery: 'cookie',
    });
    const first = (refreshCookieOf(signedIn) as string).split(';')[0] as string;

    const refreshed = await post('/api/v1/auth/refresh', {}, first);
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).not.toHaveProperty('refresh_token');
    const second = (refreshCookieOf(refreshed) as string).split(';')[0] as string;
    expect(second).not.toBe(first);
    const me = await app.http.get('/api/v1/me', {
      token: ((await (await post('/api/v1/auth/refresh', {}, second)).json()) as any).access_token,
    });
    expect(me.status).toBe(200);

    // The first cookie was rotated: presenting it again revokes the family (reuse detection).
    const reused = await post('/api/v1/auth/refresh', {}, first);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ code: 'invalid_refresh_token' });
  });

  it('signs out: the family is revoked and the cookie cleared', async () => {
    const signedIn = await post('/api/v1/auth/register', { ...account(), refresh_token_delivery: 'cookie' });
    const cookie = (refreshCookieOf(signedIn) as string).split(';')[0] as string;
    const signedOut = await post('/api/v1/auth/logout', {}, cookie);
    expect(signedOut.status).toBe(204);
    expect(refreshCookieOf(signedOut)).toMatch(
      /^agentry_refresh=; Max-Age=0; Path=\/api\/v1\/auth; Expires=[^;]+; HttpOnly; SameSite=Strict$/,
    );
    const after = await post('/api/v1/auth/refresh', {}, cookie);
    expect(after.status).toBe(401);
  });

  it('still works with the token in the body, and says what is missing when neither is sent', async () => {
    const registered: any = await (await post('/api/v1/auth/register', account())).json();
    expect(registered.refresh_token).toMatch(/^rt_/);
    const signedOut = await post('/api/v1/auth/logout', { refresh_token: registered.refresh_token });
    expect(signedOut.status).toBe(204);
    expect((await post('/api/v1/auth/refresh', { refresh_token: registered.refresh_token })).status).toBe(
      401,
    );

    const neither = await post('/api/v1/auth/refresh', {});
    expect(neither.status).toBe(401);
    expect(await neither.json()).toMatchObject({
      code: 'invalid_refresh_token',
      message: expect.stringMatching(/refresh_token_delivery/),
    });
  });

  it('refuses a cross-site form post: only JSON bodies are read (415)', async () => {
    const response = await fetch(`${app.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'agentry_refresh=rt_x' },
      body: 'a=b',
    });
    expect(response.status).toBe(415);
  });
});
