import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentryClient } from '../client/index.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('the typed client (docs/client.md)', () => {
  it('registers, creates an agent and runs a turn with typed bodies and answers', async () => {
    const anonymous = createAgentryClient({ baseUrl: `${app.url}/` });
    const registered = await anonymous.POST('/api/v1/auth/register', {
      body: {
        email: 'client@example.com',
        password: 'correct-horse-battery-staple',
        full_name: 'Client User',
      },
    });
    expect(registered.response.status).toBe(201);
    const token = registered.data?.access_token as string;

    let current: string | null = token;
    const agentry = createAgentryClient({ baseUrl: app.url, token: () => current });
    const created = await agentry.POST('/api/v1/agents', { body: { name: 'Typed' } });
    expect(created.response.status).toBe(201);
    const agentId = created.data?.id as string;

    const turn = await agentry.POST('/api/v1/agents/{id}/execute', {
      params: { path: { id: agentId } },
      body: { message: 'Hello from typed code' },
    });
    expect(turn.response.status).toBe(200);
    expect(turn.data?.content).toEqual(expect.any(String));

    const listed = await agentry.GET('/api/v1/agents', { params: { query: { limit: 10 } } });
    expect(listed.data?.map((agent) => agent.id)).toContain(agentId);
    expect(listed.response.headers.get('x-total-count')).toBe('1');

    // The token function is read before each request: a refreshed token is picked up.
    current = null;
    const refused = await agentry.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: 'authentication_error', correlation_id: expect.any(String) });
  });

  it('sends an API key as given', async () => {
    const http = app.http;
    const registered = await http.post('/api/v1/auth/register', {
      email: 'client-key@example.com',
      password: 'correct-horse-battery-staple',
      full_name: 'Key Owner',
    });
    const key = await http.post(
      '/api/v1/api-keys',
      { name: 'ci', role: 'org_admin' },
      { token: registered.body.access_token },
    );
    const agentry = createAgentryClient({ baseUrl: app.url, token: key.body.key });
    const me = await agentry.GET('/api/v1/me');
    expect(me.response.status).toBe(200);
    expect(me.data?.api_key?.name).toBe('ci');
  });
});
