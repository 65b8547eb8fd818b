import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuildDirectory, consoleContentSecurityPolicy } from '../src/modules/console/index.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('the web console’s files', () => {
  it('serve the page at / under a strict Content-Security-Policy, with no inline script or style', async () => {
    const response = await fetch(`${app.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy);
    expect(consoleContentSecurityPolicy).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
  });

  it('send its scripts compressed and cacheable forever (their names change with their content)', async () => {
    const assets = await readdir(join(consoleBuildDirectory, 'assets'));
    const script = assets.find((name) => name.endsWith('.js'));
    const url = `${app.url}/assets/${script}`;
    const brotli = await fetch(url, { headers: { 'accept-encoding': 'br' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(brotli.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // fetch decodes it: what arrives is the built file.
    expect(await brotli.text()).toBe(
      await readFile(join(consoleBuildDirectory, 'assets', script as string), 'utf8'),
    );
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('leave the API’s answers alone: an unknown API path is still a JSON 404', async () => {
    const response = await app.http.get('/api/v1/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: true, code: 'not_found' });
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  it('say how to build them when the build is missing', async () => {
    const unbuilt = await startTestApp({ CONSOLE_DIR: join(app.dataDir, 'no-console-here') });
    try {
      const response = await unbuilt.http.get('/');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        code: 'console_not_built',
        message: expect.stringMatching(/console:build/),
      });
      expect((await unbuilt.http.get('/health')).status).toBe(200);
    } finally {
      await unbuilt.close();
    }
  });

  it('are not served with CONSOLE_ENABLED=false', async () => {
    const apiOnly = await startTestApp({ CONSOLE_ENABLED: 'false' });
    try {
      const response = await apiOnly.http.get('/');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found' });
    } finally {
      await apiOnly.close();
    }
  });
});
