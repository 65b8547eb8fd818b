import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { createHttpClient } from '../support/http-client.ts';
import { type CollectedSpan, type OtlpCollector, startOtlpCollector } from '../support/otlp-collector.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, type ServerProcess, startServerProcess } from '../support/server-process.ts';

/**
 * `agentry serve` with OTEL_EXPORTER_OTLP_ENDPOINT set exports its spans to a collector over
 * OTLP/HTTP: a request's trace (continuing the caller's traceparent) holds its turn, the turn's
 * model call, and the provider hears the trace and the correlation id; a job continues the trace
 * of the request that sent it. Every line the process writes is JSON.
 */
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let collector: OtlpCollector;
let stub: OpenAiStub;
let server: ServerProcess;
const PROVIDER_KEY = 'sk-tracing-provider-key-0123456789';

beforeAll(async () => {
  collector = await startOtlpCollector();
  stub = await startOpenAiStub({ apiKey: PROVIDER_KEY, models: ['gpt-stub'] });
  environment = await serverEnvironment({
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector%20secret',
    OTEL_SERVICE_NAME: 'agentry-under-test',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    LOG_LEVEL: 'info',
  });
});
afterEach(killServerProcesses);
afterAll(async () => {
  await Promise.all([stub.close(), collector.close()]);
  await environment.dispose();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const childOf = (parent: CollectedSpan) => (span: CollectedSpan) =>
  span.traceId === parent.traceId && span.parentSpanId === parent.spanId;

describe('traces and correlation of a real server process', () => {
  it('exports the spans of a request, its turn, its model call and a job, and propagates them', async () => {
    server = await startServerProcess(environment.env);
    const http = createHttpClient(server.url);
    const owner = await registerAccount(http);
    const as = { token: owner.token };

    // A provider: created by a request, validated by a job that calls the provider.
    const created = await http.post(
      '/api/v1/providers',
      { name: 'Traced', type: 'openai_compatible', base_url: stub.url, api_key: PROVIDER_KEY },
      { ...as, headers: { 'x-request-id': 'provider-create-1' } },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const createSpan = await collector.waitForSpan(
      (span) =>
        span.name === 'POST /api/v1/providers' &&
        span.attributes['agentry.request_id'] === 'provider-create-1',
    );
    const jobSpan = await collector.waitForSpan(
      (span) => span.name === 'job provider-validation' && span.traceId === createSpan.traceId,
    );
    expect(jobSpan.kind).toBe(5);
    expect(jobSpan.attributes['messaging.destination.name']).toBe('provider-validation');
    // The job's call to the provider carries the request's correlation id and the job's span.
    const validation = stub.requests.find((request) => request.path === '/v1/models');
    expect(validation?.headers['x-request-id']).toBe('provider-create-1');
    expect(validation?.headers.traceparent).toMatch(new RegExp(`^00-${createSpan.traceId}-[0-9a-f]{16}-01$`));

    const agent = await http.post(
      '/api/v1/agents',
      {
        name: 'Traced agent',
        provider_id: created.body.id,
        model: 'gpt-stub',
        tools: ['current_time'],
        show_suggestions_after_each_message: false,
      },
      as,
    );
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);

    // A chat turn with a tool call, called with the caller's own trace.
    stub.enqueue(
      { type: 'tool-calls', toolCalls: [{ name: 'current_time', arguments: {} }] },
      { type: 'text', text: 'It is now.' },
    );
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const executed = await http.post(
      `/api/v1/agents/${agent.body.id}/execute`,
      { message: 'What time is it?' },
      {
        ...as,
        headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': 'traced-turn-1' },
      },
    );
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);

    const requestSpan = await collector.waitForSpan(
      (span) => span.traceId === traceId && span.name === 'POST /api/v1/agents/:id/execute',
    );
    expect(requestSpan.parentSpanId).toBe(callerSpanId);
    expect(requestSpan.kind).toBe(2);
    expect(requestSpan.serviceName).toBe('agentry-under-test');
    expect(requestSpan.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/agents/:id/execute',
      'http.response.status_code': 200,
      'agentry.request_id': 'traced-turn-1',
    });
    const turnSpan = await collector.waitForSpan(childOf(requestSpan));
    expect(turnSpan.name).toBe('turn chat');
    expect(turnSpan.attributes).toMatchObject({
      'agentry.agent.id': agent.body.id,
      'agentry.run.id': executed.body.run_id,
      'agentry.run.status': 'completed',
    });
    const toolSpan = await collector.waitForSpan(
      (span) => childOf(turnSpan)(span) && span.name === 'execute_tool current_time',
    );
    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.tool.name': 'current_time',
      'agentry.tool.origin': 'builtin',
    });
    // The two model calls (the tool call, then the answer), each a child of the turn.
    const modelSpans = collector.spans.filter(
      (span) => childOf(turnSpan)(span) && span.name === 'chat gpt-stub',
    );
    expect(modelSpans).toHaveLength(2);
    for (const span of modelSpans) {
      expect(span.kind).toBe(3);
      expect(span.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai_compatible',
        'gen_ai.request.model': 'gpt-stub',
      });
    }
    const outputTokens = modelSpans.reduce(
      (sum, span) => sum + Number(span.attributes['gen_ai.usage.output_tokens']),
      0,
    );
    expect(outputTokens).toBe(executed.body.metadata.usage.output_tokens);

    // The provider heard each model call's span as its parent, and the caller's correlation id.
    const completions = stub.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(completions.map((request) => request.headers.traceparent).sort()).toEqual(
      modelSpans.map((span) => `00-${traceId}-${span.spanId}-01`).sort(),
    );
    for (const request of completions) expect(request.headers['x-request-id']).toBe('traced-turn-1');
    // OTEL_EXPORTER_OTLP_HEADERS went with the exports.
    expect(collector.exports[0]?.['x-collector-key']).toBe('collector secret');

    expect(await server.stop('SIGTERM')).toBe(0);
    const lines = server.output().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged.some((line) => /listening on http:\/\//.test(line.msg))).toBe(true);
    expect(logged.some((line) => /SIGTERM received/.test(line.msg))).toBe(true);
  });
});
