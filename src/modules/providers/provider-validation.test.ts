import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundGuard } from '../../platform/http/outbound-guard.ts';
import { probeProvider } from './provider-validation.ts';

const KEY = 'sk-probe-test-key-0123456789';
let server: Server;
let base: string;
/** What the test server answers next: status, content type and body. */
let answer: { status: number; type?: string; body: string; delayMs?: number };

beforeAll(async () => {
  server = createServer((_request, response) => {
    const send = () => {
      response.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json' });
      response.end(answer.body);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const probe = (timeoutMs = 2_000) =>
  probeProvider(
    { type: 'openai_compatible', baseUrl: base, apiKey: KEY },
    { fetch: globalThis.fetch, timeoutMs },
  );

describe('probeProvider', () => {
  it('lists models, keeping a display name that differs from the id', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({
        data: [{ id: 'a' }, { id: 'b', display_name: 'Model B' }, { id: 'c', name: 'c' }],
      }),
    };
    expect(await probe()).toEqual({
      status: 'connected',
      models: [{ id: 'a' }, { id: 'b', name: 'Model B' }, { id: 'c' }],
    });
  });

  it('never repeats the key, even when the provider echoes it', async () => {
    answer = {
      status: 401,
      body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }),
    };
    const result = await probe();
    expect(result).toEqual({
      status: 'error',
      error: 'The provider rejected the API key (HTTP 401: Incorrect API key provided: [redacted])',
      models: [],
    });
  });

  it('reads the error messages of Ollama and plain-text servers', async () => {
    answer = { status: 404, body: JSON.stringify({ error: 'model not found' }) };
    expect(await probe()).toMatchObject({
      error: expect.stringMatching(/HTTP 404: model not found\); check the base URL/),
    });
    answer = { status: 502, type: 'text/html', body: '<html>\n  Bad   gateway </html>' };
    expect(await probe()).toMatchObject({
      error: 'The provider answered HTTP 502: <html> Bad gateway </html>',
    });
  });

  it('says when a 200 is not a model list', async () => {
    answer = { status: 200, type: 'text/html', body: '<html>welcome</html>' };
    expect(await probe()).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/not with a model list/),
    });
  });

  it('gives up after the timeout', async () => {
    answer = { status: 200, body: '{"data":[]}', delayMs: 1_500 };
    expect(await probe(200)).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/^No answer from 127\.0\.0\.1:\d+ within 0.2 seconds$/),
    });
  });

  it('reports a URL the outbound guard refuses', async () => {
    const guard = createOutboundGuard({ allowlist: [] });
    const result = await probeProvider(
      { type: 'openai', baseUrl: base, apiKey: KEY },
      { fetch: guard.fetch, timeoutMs: 2_000 },
    );
    expect(result).toMatchObject({
      status: 'error',
      error: expect.stringMatching(/refused: it is a loopback address/),
    });
  });

  it('needs no probe for the offline model', async () => {
    const result = await probeProvider(
      { type: 'offline', baseUrl: null, apiKey: null },
      { fetch: () => Promise.reject(new Error('no network')), timeoutMs: 1 },
    );
    expect(result).toEqual({
      status: 'connected',
      models: [{ id: 'agentry-offline', name: 'Offline model' }],
    });
  });
});
