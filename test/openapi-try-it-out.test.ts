import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examplesOf, jsonPayloadsOf, type OpenApiDocument } from './support/openapi-document.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Swagger UI's "Try it out" sends an operation's example as it stands. On a fresh server, a person
 * who registers with the register example and then tries each operation in this order (filling the
 * path's ids with what the earlier calls created, as Swagger asks them to) gets a 2xx every time.
 */
let app: TestApp;
let document: OpenApiDocument;
beforeAll(async () => {
  app = await startTestApp();
  document = (await app.http.get('/openapi.json')).body;
});
afterAll(() => app.close());

const exampleBodyOf = (method: string, path: string): unknown => {
  const operation = document.paths[path]?.[method];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  const body = jsonPayloadsOf(operation).find((payload) => payload.name === 'request body');
  return body ? examplesOf(body, document)[0]?.example : undefined;
};

/** The operations tried, in order; `ids` names what each creates for the next ones' paths. */
const walkthrough: { method: string; path: string; creates?: (body: any) => Record<string, string> }[] = [
  { method: 'post', path: '/api/v1/auth/login' },
  { method: 'post', path: '/api/v1/providers', creates: (body) => ({ provider: body.id }) },
  { method: 'post', path: '/api/v1/agents', creates: (body) => ({ agent: body.id }) },
  // The configuration example names version 1: a fresh agent's.
  { method: 'put', path: '/api/v1/agents/{id}/configuration' },
  { method: 'patch', path: '/api/v1/agents/{id}' },
  {
    method: 'post',
    path: '/api/v1/agents/{id}/execute',
    creates: (body) => ({ session: body.session_id, message: body.message_id }),
  },
  { method: 'post', path: '/api/v1/agents/{id}/execute/stream' },
  { method: 'post', path: '/api/v1/agents/{id}/chat' },
  { method: 'post', path: '/api/v1/agents/{id}/preview-context' },
  { method: 'post', path: '/api/v1/agents/{id}/test' },
  { method: 'post', path: '/api/v1/messages/{id}/feedback' },
  { method: 'post', path: '/api/v1/agents/{id}/knowledge/search' },
  { method: 'post', path: '/api/v1/agents/{id}/memories' },
  { method: 'post', path: '/api/v1/agents/{id}/memories/search' },
  { method: 'post', path: '/api/v1/agents/{id}/contexts' },
  { method: 'post', path: '/api/v1/agents/{id}/tasks' },
  { method: 'post', path: '/api/v1/agents/{id}/task-schedules' },
  { method: 'post', path: '/api/v1/users' },
  { method: 'post', path: '/api/v1/api-keys' },
  { method: 'post', path: '/api/v1/projects' },
  { method: 'post', path: '/api/v1/budgets' },
  { method: 'post', path: '/api/v1/tools' },
  { method: 'post', path: '/api/v1/mcp-servers' },
  { method: 'post', path: '/api/v1/task-definitions' },
  { method: 'post', path: '/api/v1/agents/import' },
];

describe('the OpenAPI document’s examples, tried as Swagger UI sends them', () => {
  it('succeed one after another on a fresh organization', async () => {
    const registered = await app.http.post(
      '/api/v1/auth/register',
      exampleBodyOf('post', '/api/v1/auth/register'),
    );
    expect(registered.status).toBe(201);
    const token = registered.body.access_token as string;
    const ids: Record<string, string> = {};
    const refused: string[] = [];
    for (const { method, path, creates } of walkthrough) {
      const resource = path.startsWith('/api/v1/messages/') ? ids.message : ids.agent;
      const url = path.replace('{id}', resource ?? '');
      const response = await app.http.request(method.toUpperCase(), url, exampleBodyOf(method, path), {
        token,
        headers: { accept: 'application/json, text/event-stream' },
      });
      if (response.status >= 300) {
        refused.push(
          `${method.toUpperCase()} ${path}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
        );
      } else if (creates) {
        Object.assign(ids, creates(response.body));
      }
    }
    expect(refused).toEqual([]);
    // The later operations ran on what the walkthrough created (the path ids filled in as Swagger asks).
    const created = expect.any(String);
    expect(ids).toEqual({ provider: created, agent: created, session: created, message: created });
  });
});
