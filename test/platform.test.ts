import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExampleValidator,
  examplesOf,
  examplesWithin,
  jsonPayloadsOf,
  type OpenApiDocument,
  operationsOf,
} from './support/openapi-document.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('HTTP platform', () => {
  it('answers liveness and readiness with the database kind', async () => {
    expect((await app.http.get('/health')).body).toEqual({ status: 'ok' });
    const ready = await app.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', database: app.database.kind });
  });

  it('reports not ready (503) once the database is gone', async () => {
    const broken = await startTestApp();
    await broken.database.close();
    const ready = await broken.http.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error: true, code: 'not_ready' });
    await broken.close().catch(() => undefined);
  });

  it('puts X-Request-ID on every response and reuses a sane incoming one', async () => {
    const generated = await app.http.get('/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const reused = await app.http.get('/health', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(reused.headers.get('x-request-id')).toBe('trace-abc.123');
    const replaced = await app.http.get('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');

    const correlated = await app.http.get('/health', {
      headers: { 'x-correlation-id': 'seed-004-correlation' },
    });
    expect(correlated.headers.get('x-request-id')).toBe('seed-004-correlation');
    const both = await app.http.get('/health', {
      headers: { 'x-request-id': 'request-wins', 'x-correlation-id': 'correlation-loses' },
    });
    expect(both.headers.get('x-request-id')).toBe('request-wins');
  });

  it('writes the request id on every log line of a request', async () => {
    await app.http.get('/health', { headers: { 'x-request-id': 'log-correlation-1' } });
    const lines = app.logs
      .map((line) => JSON.parse(line))
      .filter((line) => line.request_id === 'log-correlation-1');
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
  });

  it('answers unknown routes with the standard error body', async () => {
    const response = await app.http.get('/api/v1/nothing-here', { headers: { 'x-request-id': 'missing-1' } });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: true,
      code: 'not_found',
      message: 'Route GET /api/v1/nothing-here not found',
      details: null,
      correlation_id: 'missing-1',
      timestamp: expect.any(String),
      path: '/api/v1/nothing-here',
    });
  });

  it('rejects malformed JSON with 400 and the standard body', async () => {
    const response = await app.http.post('/api/v1/auth/login', '{"email": ');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: true, code: 'bad_request' });
  });

  it('serves a valid OpenAPI 3.1 document listing every API route, and Swagger UI', async () => {
    const { body: document } = await app.http.get('/openapi.json');
    expect(document.openapi).toBe('3.1.0');
    const validation = await new Validator().validate(document);
    expect(validation.errors ?? []).toEqual([]);
    expect(validation.valid).toBe(true);
    const paths = Object.keys(document.paths);
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/agents/{id}/history',
      '/api/v1/api-keys/{id}',
      '/health/ready',
    ]) {
      expect(paths).toContain(path);
    }
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const success = Object.keys(operation.responses).find((status) => status.startsWith('2'));
        expect(success, `${method} ${path} documents its success response`).toBeDefined();
        if (success !== '204')
          expect(operation.responses[success as string].content, `${method} ${path}`).toBeDefined();
        const isPublic = path.startsWith('/health') || path.startsWith('/api/v1/auth/');
        expect(Boolean(operation.security), `${method} ${path} declares its security`).toBe(!isPublic);
      }
    }
    expect(document.components.schemas.Agent).toBeDefined();
    expect(document.components.schemas.Error).toBeDefined();
    const docs = await fetch(`${app.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('names every operation with its own camelCase operationId', async () => {
    const operations = operationsOf((await app.http.get('/openapi.json')).body);
    const unnamed = operations.filter(
      ({ operation }) => !/^[a-z][a-zA-Z0-9]+$/.test(operation.operationId ?? ''),
    );
    expect(unnamed.map(({ label }) => label)).toEqual([]);
    const owners = new Map<string, string[]>();
    for (const { label, operation } of operations)
      owners.set(operation.operationId, [...(owners.get(operation.operationId) ?? []), label]);
    const shared = [...owners].filter(([, labels]) => labels.length > 1);
    expect(shared, 'operationIds used by more than one operation').toEqual([]);
  });

  it('lists the 503 (database unavailable, overloaded, shutting down) on every API operation', async () => {
    const operations = operationsOf((await app.http.get('/openapi.json')).body).filter(({ label }) =>
      /^\w+ \/(api|v1)\//.test(label),
    );
    expect(operations.length).toBeGreaterThan(50);
    const silent = operations.filter(({ operation }) => !operation.responses?.['503']);
    expect(silent.map(({ label }) => label)).toEqual([]);
  });

  it('gives every JSON request body and 2xx JSON response an example that matches its schema', async () => {
    const document: OpenApiDocument = (await app.http.get('/openapi.json')).body;
    const validate = createExampleValidator(document);
    const missing: string[] = [];
    const invalid: string[] = [];
    for (const { label, operation } of operationsOf(document)) {
      for (const payload of jsonPayloadsOf(operation)) {
        const examples = examplesOf(payload, document);
        if (examples.length === 0) missing.push(`${label} ${payload.name}`);
        for (const { where, schema, example } of examples) {
          const problem = validate(schema, example);
          if (problem) invalid.push(`${label} ${payload.name} (example on ${where}): ${problem}`);
        }
      }
    }
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      for (const { where, schema: subschema, example } of examplesWithin(schema, name)) {
        const problem = validate(subschema, example);
        if (problem) invalid.push(`components.schemas.${where}: ${problem}`);
      }
    }
    expect(missing, 'payloads without an example').toEqual([]);
    expect(invalid, 'examples that do not match their schema').toEqual([]);
  });
});
