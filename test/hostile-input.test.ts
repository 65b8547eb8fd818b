import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/platform/http/input-rules.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Input that PostgreSQL cannot store (NUL, lone surrogates), JSON nested past the limit, and
 * requests the framework or Node's HTTP parser refuses: each answered with a 4xx in the error
 * body, through a listening server, and nothing stored.
 */
let app: TestApp;
let owner: TestAccount;
let agentId: string;
let sessionId: string;

const as = () => ({ token: owner.token });

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http);
  agentId = (await app.http.post('/api/v1/agents', { name: 'Hostile input target' }, as())).body.id;
  sessionId = (await app.http.post('/api/v1/sessions', { agent_id: agentId }, as())).body.id;
});
afterAll(() => app.close());

const totalOf = async (path: string) => Number((await app.http.get(path, as())).headers.get('x-total-count'));

/** A 422 whose validation errors name exactly these fields. */
function expectRefusedFields(response: ApiResponse, fields: { field: string; location: string }[]) {
  expectError(response, 422, 'validation_error');
  expect(
    response.body.validation_errors.map(({ field, location }: { field: string; location: string }) => ({
      field,
      location,
    })),
  ).toEqual(fields);
}

/** JSON text of `{"a": {"a": ... 1}}`, `levels` objects deep (JSON.stringify itself could not write it). */
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('text PostgreSQL cannot store', () => {
  it.each([
    ['a NUL', 'Agent \u0000 name'],
    ['a lone surrogate', 'Agent \ud800 name'],
  ])('refuses %s in a body field with 422 naming it, and stores nothing', async (_name, text) => {
    const before = await totalOf('/api/v1/agents');
    const response = await app.http.post('/api/v1/agents', { name: text }, as());
    expectRefusedFields(response, [{ field: 'name', location: 'body' }]);
    const renamed = await app.http.patch(`/api/v1/agents/${agentId}`, { description: text }, as());
    expectRefusedFields(renamed, [{ field: 'description', location: 'body' }]);
    expect(await totalOf('/api/v1/agents')).toBe(before);
    expect((await app.http.get(`/api/v1/agents/${agentId}`, as())).body.description).toBeNull();
  });

  it('names a nested value and a nested key by their dotted paths', async () => {
    const before = await totalOf('/api/v1/sessions');
    const response = await app.http.post(
      '/api/v1/sessions',
      { agent_id: agentId, metadata: { notes: ['fine', 'bad \u0000'], 'key \ud800': true } },
      as(),
    );
    expectRefusedFields(response, [
      { field: 'metadata.key \ud800', location: 'body' },
      { field: 'metadata.notes.1', location: 'body' },
    ]);
    expect(await totalOf('/api/v1/sessions')).toBe(before);
  });

  it('refuses a message with a NUL and keeps the session empty', async () => {
    const response = await app.http.post(
      `/api/v1/sessions/${sessionId}/messages`,
      { content: 'hello \u0000' },
      as(),
    );
    expectRefusedFields(response, [{ field: 'content', location: 'body' }]);
    expect((await app.http.get(`/api/v1/sessions/${sessionId}`, as())).body.message_count).toBe(0);
  });

  it('refuses a NUL in a query parameter and in a path parameter', async () => {
    expectRefusedFields(await app.http.get('/api/v1/agents?search=%00', as()), [
      { field: 'search', location: 'querystring' },
    ]);
    expectRefusedFields(await app.http.get('/api/v1/agents?tag=ok&tag=a%00', as()), [
      { field: 'tag.1', location: 'querystring' },
    ]);
    expectRefusedFields(await app.http.get('/api/v1/agents/a%00b', as()), [
      { field: 'id', location: 'params' },
    ]);
  });

  it('answers the OpenAI-compatible API in OpenAI’s error body, naming the parameter', async () => {
    const response = await app.http.post(
      '/v1/chat/completions',
      { model: agentId, messages: [{ role: 'user', content: 'hi \u0000' }] },
      as(),
    );
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({
      type: 'invalid_request_error',
      param: 'messages[0].content',
    });
  });

  it('still refuses an anonymous caller with 401 first', async () => {
    expectError(await app.http.post('/api/v1/agents', { name: '\u0000' }), 401, 'authentication_error');
  });

  it('stores and returns emoji, CJK, combining marks and right-to-left text unchanged', async () => {
    const text = 'Grüße 😀👩‍💻 中文 日本語 e\u0301 שלום مرحبا \u200f';
    const created = await app.http.post('/api/v1/agents', { name: text, description: text }, as());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = (await app.http.get(`/api/v1/agents/${created.body.id}`, as())).body;
    expect([read.name, read.description]).toEqual([text, text]);
    const message = await app.http.post(
      `/api/v1/sessions/${sessionId}/messages`,
      { content: text, metadata: { [text]: text } },
      as(),
    );
    expect(message.status, JSON.stringify(message.body)).toBe(201);
    expect((await app.http.get(`/api/v1/messages/${message.body.id}`, as())).body).toMatchObject({
      content: text,
      metadata: { [text]: text },
    });
  });
});

describe('deeply nested JSON', () => {
  // The sessions' and executions' metadata were the ones that overflowed: their size checks
  // serialize them with JSON.stringify, which recurses.
  it.each([
    ['POST /api/v1/agents', () => '/api/v1/agents', 'name', 'traits'],
    ['POST /api/v1/sessions', () => '/api/v1/sessions', 'title', 'metadata'],
    ['POST /api/v1/agents/{id}/execute', () => `/api/v1/agents/${agentId}/execute`, 'message', 'metadata'],
  ])('refuses 10,000 levels on %s with 422', async (_label, url, textField, deepField) => {
    const body = `{"${textField}":"x","${deepField}":${nestedObjects(10_000)}}`;
    const response = await app.http.post(url(), body, as());
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors).toEqual([
      {
        field: [deepField, ...Array(MAX_JSON_DEPTH - 1).fill('a')].join('.'),
        location: 'body',
        message: `is nested deeper than ${MAX_JSON_DEPTH} levels`,
        value: '[object, 1 key]',
      },
    ]);
  });

  it('refuses 10,000 levels of arrays as the whole body', async () => {
    const response = await app.http.post(
      '/api/v1/sessions/bulk-create',
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      as(),
    );
    expectError(response, 422, 'validation_error');
  });

  it(`accepts JSON exactly ${MAX_JSON_DEPTH} levels deep`, async () => {
    const metadata = nestedObjects(MAX_JSON_DEPTH - 1);
    const response = await app.http.post(
      '/api/v1/sessions',
      `{"agent_id":"${agentId}","metadata":${metadata}}`,
      as(),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Sends bytes on a fresh connection and reads the answer until the server closes it. */
function rawExchange(request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body ? JSON.parse(body) : null });
    });
  });
}

function expectRawError(
  response: RawResponse,
  status: number,
  code: string,
  path: string,
  errorCode: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers).toMatchObject({
    'content-type': 'application/json; charset=utf-8',
    connection: 'close',
    'x-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
  });
  expect(response.body).toEqual({
    error: true,
    code,
    error_code: errorCode,
    message: expect.any(String),
    details: null,
    correlation_id: response.headers['x-request-id'],
    timestamp: expect.any(String),
    path,
  });
}

describe('requests refused by the framework', () => {
  it('answers a malformed percent-encoding with 400 in the error body', async () => {
    const response = await app.http.get('/api/v1/agents/%zz', {
      ...as(),
      headers: { 'x-request-id': 'bad-url-1' },
    });
    expectError(response, 400, 'bad_request');
    expect(response.body.correlation_id).toBe('bad-url-1');
  });

  it('answers a path parameter past the router’s limit with 414 in the error body', async () => {
    const response = await app.http.get(`/api/v1/agents/${'a'.repeat(500)}`, as());
    expectError(response, 414, 'uri_too_long');
    expect(response.body.path).toBe(`/api/v1/agents/${'a'.repeat(500)}`);
  });

  it('answers 20 KB of headers with 431 in the error body and closes the connection', async () => {
    const response = await rawExchange(
      `GET /api/v1/agents HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expectRawError(response, 431, 'headers_too_large', '/api/v1/agents', 'validation_error');
  });

  it('answers a 20 KB URL with 431 in the error body', async () => {
    const response = await rawExchange(
      `GET /api/v1/agents?search=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    expectRawError(response, 431, 'headers_too_large', '/api/v1/agents', 'validation_error');
  });

  it('answers bytes that are not HTTP with 400 in the error body', async () => {
    expectRawError(await rawExchange('HELLO?\r\n\r\n'), 400, 'bad_request', '', 'validation_error');
  });

  it('answers a body past the size limit, an unknown media type and an unknown route in the error body', async () => {
    expectError(
      await app.http.post('/api/v1/agents', `"${'a'.repeat(1024 * 1024)}"`, as()),
      413,
      'payload_too_large',
    );
    const xml = await fetch(`${app.url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/xml' },
      body: '<agent/>',
    });
    expectError(
      { status: xml.status, headers: xml.headers, body: await xml.json() },
      415,
      'unsupported_media_type',
    );
    expectError(await app.http.request('PUT', '/api/v1/no-such-things', undefined, as()), 404, 'not_found');
    expectError(await app.http.request('PUT', '/api/v1/agents', undefined, as()), 405, 'method_not_allowed');
  });

  it('keeps serving after all of it', async () => {
    expect((await app.http.get('/health/ready')).status).toBe(200);
  });
});
