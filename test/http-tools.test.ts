import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { asRecord } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { type HttpToolTarget, startHttpToolTarget } from './support/http-tool-target.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * HTTP tools calling a real HTTP server on loopback: placeholders, secret headers, errors,
 * timeouts, size limits and the outbound guard (only the target's and the model stub's
 * addresses are allowlisted), and a turn whose model calls a tool and answers with its result.
 */
const SECRET = 'sk-http-tools-secret-9876543210';
const KEY = 'sk-stub-key-0123456789';
let target: HttpToolTarget;
/** A server the allowlist does not name: the guard must keep every call away from it. */
let outsider: HttpToolTarget;
let model: OpenAiStub;
let app: TestApp;
let owner: TestAccount;

const as = () => ({ token: owner.token });
const stringArgs = (...names: string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((name) => [name, { type: 'string' }])),
});

async function createTool(body: Record<string, unknown>, http: Record<string, unknown>) {
  const response = await app.http.post(
    '/api/v1/tools',
    {
      name: `tool_${Math.random().toString(36).slice(2, 10)}`,
      input_schema: { type: 'object', properties: {} },
      ...body,
      http: { method: 'GET', ...http },
    },
    as(),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; name: string };
}

async function runTool(toolId: string, args: Record<string, unknown>) {
  const response = await app.http.post(`/api/v1/tools/${toolId}/test`, { arguments: args }, as());
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { success: boolean; result?: any; error?: string; duration_ms: number };
}

beforeAll(async () => {
  [target, outsider, model] = await Promise.all([
    startHttpToolTarget(),
    startHttpToolTarget(),
    startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] }),
  ]);
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: `127.0.0.1:${target.port},127.0.0.1:${model.port}`,
    TOOL_RETRY_BASE_DELAY_MS: '1',
    TOOL_RETRY_MAX_DELAY_MS: '5',
  });
  owner = await registerAccount(app.http, 'HTTP tools');
});
afterAll(async () => {
  await app.close();
  await Promise.all([target.close(), outsider.close(), model.close()]);
});
beforeEach(() => {
  target.requests.length = 0;
  outsider.requests.length = 0;
  model.reset();
});

describe('an HTTP tool’s request', () => {
  it('fills URL placeholders URL-encoded and returns the parsed JSON with the status', async () => {
    const tool = await createTool(
      { input_schema: stringArgs('city') },
      { url_template: `${target.origin}/weather?city={{city}}` },
    );
    const run = await runTool(tool.id, { city: 'São Paulo & Rio/Sul' });
    expect(run).toEqual({
      success: true,
      result: { status: 200, body: { city: 'São Paulo & Rio/Sul', temperature_c: 21, sky: 'clear' } },
      duration_ms: expect.any(Number),
    });
    expect(target.requests[0]?.url).toBe('/weather?city=S%C3%A3o%20Paulo%20%26%20Rio%2FSul');
  });

  it('fills a body template: whole-value placeholders keep their JSON type, others are escaped text', async () => {
    const tool = await createTool(
      {
        input_schema: {
          type: 'object',
          properties: { title: { type: 'string' }, priority: { type: 'integer' }, tags: { type: 'array' } },
        },
      },
      {
        method: 'POST',
        url_template: `${target.origin}/echo`,
        headers: { 'X-Ticket-Title': 'ticket {{title}}' },
        body_template:
          '{"subject": "Ticket: {{title}}", "priority": "{{priority}}", "tags": "{{tags}}", "fixed": 1}',
      },
    );
    const run = await runTool(tool.id, { title: 'He said "hi"', priority: 2, tags: ['a', 'b'] });
    expect(run.success, run.error).toBe(true);
    expect(JSON.parse(run.result.body.body)).toEqual({
      subject: 'Ticket: He said "hi"',
      priority: 2,
      tags: ['a', 'b'],
      fixed: 1,
    });
    expect(run.result.body.headers).toMatchObject({
      'content-type': 'application/json',
      'x-ticket-title': 'ticket He said "hi"',
    });
  });

  it('sends the arguments as the JSON body when a POST has no body template, and none for GET', async () => {
    const post = await createTool(
      { input_schema: stringArgs('q') },
      { method: 'POST', url_template: `${target.origin}/echo` },
    );
    expect(JSON.parse((await runTool(post.id, { q: 'x' })).result.body.body)).toEqual({ q: 'x' });
    const get = await createTool(
      { input_schema: stringArgs('q') },
      { url_template: `${target.origin}/echo` },
    );
    expect((await runTool(get.id, { q: 'x' })).result.body).toMatchObject({ method: 'GET', body: '' });
  });

  it('returns text when the response is not JSON', async () => {
    const tool = await createTool({}, { url_template: `${target.origin}/text` });
    expect((await runTool(tool.id, {})).result).toEqual({ status: 200, body: 'plain words' });
  });

  it('sends secret headers to the target, and never shows their values, even when the target echoes them', async () => {
    const tool = await createTool(
      {},
      { url_template: `${target.origin}/echo`, secret_headers: { 'X-Service-Token': SECRET } },
    );
    const run = await runTool(tool.id, {});
    expect(target.requests[0]?.headers['x-service-token']).toBe(SECRET);
    expect(run.result.body.headers['x-service-token']).toBe('[redacted]');
    expect(JSON.stringify(run)).not.toContain(SECRET);
    expect(app.logs.join('')).not.toContain(SECRET);
  });

  it('refuses arguments that would put a line break into a header, as the tool’s error', async () => {
    const tool = await createTool(
      { input_schema: stringArgs('who') },
      { url_template: `${target.origin}/echo`, headers: { 'X-Who': '{{who}}' } },
    );
    const run = await runTool(tool.id, { who: 'me\r\nX-Injected: yes' });
    expect(run).toMatchObject({ success: false, error: expect.stringContaining('X-Who header') });
    expect(target.requests).toHaveLength(0);
  });
});

describe('an HTTP tool’s failures, as the model reads them', () => {
  it('reports a non-2xx status with an excerpt of the body, retrying 5xx but not 4xx', async () => {
    const notFound = await createTool({}, { url_template: `${target.origin}/status/404` });
    const missing = await runTool(notFound.id, {});
    expect(missing.success).toBe(false);
    expect(missing.error).toBe(`127.0.0.1:${target.port} answered HTTP 404: status 404 from the target`);
    expect(target.requests).toHaveLength(1);

    const broken = await createTool(
      { retry_config: { max_attempts: 3 } },
      { url_template: `${target.origin}/status/500` },
    );
    const failed = await runTool(broken.id, {});
    expect(failed.error).toContain('Gave up after 3 attempts');
    expect(failed.error).toContain('answered HTTP 500');
    expect(target.requests).toHaveLength(4);

    const flaky = await createTool(
      { retry_config: { max_attempts: 2 } },
      { url_template: `${target.origin}/flaky` },
    );
    expect(await runTool(flaky.id, {})).toMatchObject({ success: true, result: { status: 200 } });
  });

  it('stops an attempt at the tool’s timeout', async () => {
    const tool = await createTool(
      { retry_config: { max_attempts: 1 } },
      { url_template: `${target.origin}/slow?ms=5000`, timeout_seconds: 0.3 },
    );
    const run = await runTool(tool.id, {});
    expect(run.success).toBe(false);
    expect(run.error).toContain('did not answer within 300 ms');
    expect(run.duration_ms).toBeLessThan(2_000);
  });

  it('does not read a response larger than max_response_bytes', async () => {
    const tool = await createTool(
      {},
      { url_template: `${target.origin}/bytes?count=5000`, max_response_bytes: 1_000 },
    );
    const run = await runTool(tool.id, {});
    expect(run).toMatchObject({
      success: false,
      error: `The response of 127.0.0.1:${target.port} is larger than the tool's max_response_bytes (1000 bytes): it was not read`,
    });
    const fits = await createTool(
      {},
      { url_template: `${target.origin}/bytes?count=1000`, max_response_bytes: 1_000 },
    );
    expect((await runTool(fits.id, {})).result.body).toHaveLength(1_000);
  });
});

describe('the outbound guard on every call', () => {
  it('refuses an address the allowlist does not name, at write time and at call time', async () => {
    const fixed = await app.http.post(
      '/api/v1/tools',
      { name: 'outside_fixed', http: { method: 'GET', url_template: `${outsider.origin}/weather` } },
      as(),
    );
    expectError(fixed, 400, 'outbound_url_blocked');
    const tool = await createTool(
      { input_schema: stringArgs('host', 'port') },
      { url_template: 'http://{{host}}:{{port}}/weather?city=Oslo' },
    );
    const refused = await runTool(tool.id, { host: '127.0.0.1', port: String(outsider.port) });
    expect(refused).toMatchObject({
      success: false,
      error: `Outbound request to 127.0.0.1:${outsider.port} refused: it is a loopback address. To allow it, the server's operator adds 127.0.0.1:${outsider.port} to OUTBOUND_ALLOWLIST (comma-separated) and restarts Agentry`,
    });
    const allowed = await runTool(tool.id, { host: '127.0.0.1', port: String(target.port) });
    expect(allowed.result.body.city).toBe('Oslo');
    expect(outsider.requests).toHaveLength(0);
  });

  it('checks every redirect again, and a tool with secret headers follows none', async () => {
    const tool = await createTool(
      { input_schema: stringArgs('to') },
      { url_template: `${target.origin}/redirect?to={{to}}` },
    );
    const inside = await runTool(tool.id, { to: `${target.origin}/weather?city=Bergen` });
    expect(inside.result.body.city).toBe('Bergen');
    const outside = await runTool(tool.id, { to: `${outsider.origin}/weather?city=Bergen` });
    expect(outside).toMatchObject({
      success: false,
      error: `Outbound request to 127.0.0.1:${outsider.port} refused: it is a loopback address. To allow it, the server's operator adds 127.0.0.1:${outsider.port} to OUTBOUND_ALLOWLIST (comma-separated) and restarts Agentry`,
    });
    expect(outsider.requests).toHaveLength(0);

    const secretive = await createTool(
      { input_schema: stringArgs('to') },
      {
        url_template: `${target.origin}/redirect?to={{to}}`,
        secret_headers: { Authorization: `Bearer ${SECRET}` },
      },
    );
    const kept = await runTool(secretive.id, { to: `${target.origin}/weather?city=Bergen` });
    expect(kept.success).toBe(false);
    expect(kept.error).toContain('answered HTTP 302 (redirected to');
    expect(target.requests.filter((request) => request.url.startsWith('/weather'))).toHaveLength(1);
  });
});

describe('a turn that calls an HTTP tool', () => {
  it('offers the tool to the model, runs it and answers with its result', async () => {
    const provider = await app.http.post(
      '/api/v1/providers',
      { name: 'Stub', type: 'openai_compatible', base_url: model.url, api_key: KEY },
      as(),
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    await expect
      .poll(
        async () =>
          (await app.http.get(`/api/v1/providers/${provider.body.id}`, as())).body.validation_status,
        { timeout: 10_000 },
      )
      .toBe('connected');
    const tool = await createTool(
      {
        name: 'get_weather',
        description: 'Current weather of a city',
        input_schema: { ...stringArgs('city'), required: ['city'] },
      },
      {
        url_template: `${target.origin}/weather?city={{city}}`,
        secret_headers: { Authorization: `Bearer ${SECRET}` },
      },
    );
    const agent = await app.http.post(
      '/api/v1/agents',
      {
        name: 'Forecaster',
        provider_id: provider.body.id,
        model: 'gpt-stub',
        tools: ['get_weather'],
        show_suggestions_after_each_message: false,
      },
      as(),
    );
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);

    model.enqueue(
      {
        type: 'tool-calls',
        toolCalls: [{ id: 'call_bad', name: 'get_weather', arguments: { town: 'Lisbon' } }],
      },
      {
        type: 'tool-calls',
        toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Lisbon' } }],
      },
    );
    model.setScript((request) => {
      const messages = (asRecord(request.body).messages ?? []) as { role: string; content: unknown }[];
      const result = messages.findLast((message) => message.role === 'tool');
      return { type: 'text', text: `Forecast from the tool: ${String(result?.content)}` };
    });
    const answer = await app.http.post(
      `/api/v1/agents/${agent.body.id}/execute`,
      { message: 'Weather in Lisbon?' },
      as(),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.content).toContain('Forecast from the tool:');
    expect(answer.body.content).toContain('"temperature_c":21');
    expect(answer.body.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_bad', name: 'get_weather', success: false }),
      expect.objectContaining({
        id: 'call_1',
        name: 'get_weather',
        input: { city: 'Lisbon' },
        output: { status: 200, body: { city: 'Lisbon', temperature_c: 21, sky: 'clear' } },
        success: true,
        origin: { kind: 'http', tool_id: tool.id, host: `127.0.0.1:${target.port}` },
      }),
    ]);
    expect(JSON.stringify(answer.body.tool_calls[0].output)).toContain('city');
    const [ask] = model.requests.filter((request) => request.path === '/v1/chat/completions');
    const offered = asRecord(ask?.body).tools as { function: { name: string; parameters: unknown } }[];
    expect(offered.map((entry) => entry.function.name)).toEqual(['get_weather']);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const run = await app.http.get(`/api/v1/runs/${answer.body.run_id}`, as());
    expect(JSON.stringify(run.body)).not.toContain(SECRET);

    // Disabled, then deleted since the agent named it: the next turn goes on without it, and says so.
    model.setScript();
    const turnWarnings = async () => {
      const turn = await app.http.post(
        `/api/v1/agents/${agent.body.id}/execute`,
        { message: 'And now?' },
        as(),
      );
      expect(turn.status, JSON.stringify(turn.body)).toBe(200);
      return turn.body.metadata.warnings as string[];
    };
    expect(await turnWarnings()).toEqual([]);
    await app.http.patch(`/api/v1/tools/${tool.id}`, { enabled: false }, as());
    expect(await turnWarnings()).toEqual(['Unknown tool "get_weather" ignored']);
    await app.http.patch(`/api/v1/tools/${tool.id}`, { enabled: true }, as());
    expect(await turnWarnings()).toEqual([]);
    expect((await app.http.delete(`/api/v1/tools/${tool.id}`, as())).status).toBe(204);
    expect(await turnWarnings()).toEqual(['Unknown tool "get_weather" ignored']);
  });
});
