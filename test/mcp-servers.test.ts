import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpHealthJob } from '../src/modules/tools/mcp-health-job.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { openEventStream, type ReceivedEvent } from './support/event-stream.ts';
import type { HttpClient } from './support/http-client.ts';
import {
  type McpTestServer,
  registerMcpServer,
  settledMcpServer,
  startMcpTestServer,
} from './support/mcp-test-server.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * MCP servers an organization registers (docs/mcp.md), over HTTP against a listening app and a
 * real MCP server on loopback: the API and its 4xx, the background check that lists tools,
 * resources and prompts, refresh, the outbound guard, stdio, and credentials that never leave.
 */
const TOKEN = 'mcp-secret-token-0123456789abcdef';
const HEADER_SECRET = 'header-secret-value-fedcba9876543210';
const STDIO_SERVER = fileURLToPath(new URL('./fixtures/mcp-stdio-server.ts', import.meta.url));
const TEST_TOOLS = ['add', 'echo', 'fail', 'large', 'mixed', 'slow'];

let mcp: McpTestServer;
let open: McpTestServer;
let app: TestApp;
let plain: TestApp;
let owner: TestAccount;
let stream: Awaited<ReturnType<typeof openEventStream>>;
/** Every response body this file received, to prove that no secret is ever returned. */
const bodies: string[] = [];

function recording(client: HttpClient): HttpClient {
  const request = async (method: string, path: string, body?: unknown, options?: { token?: string }) => {
    const response = await client.request(method, path, body, options);
    bodies.push(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
    return response;
  };
  return {
    ...client,
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
    patch: (path, body, options) => request('PATCH', path, body, options),
    delete: (path, options) => request('DELETE', path, undefined, options),
    request,
  } as HttpClient;
}
let http: HttpClient;

beforeAll(async () => {
  mcp = await startMcpTestServer({ bearerToken: TOKEN });
  open = await startMcpTestServer();
  [app, plain] = await Promise.all([
    startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1', MCP_STDIO_ALLOWED_COMMANDS: process.execPath }),
    startTestApp(),
  ]);
  http = recording(app.http);
  owner = await registerAccount(app.http, 'MCP owner');
  stream = await openEventStream(`${app.url}/api/v1/events`, { authorization: `Bearer ${owner.token}` });
});
afterAll(async () => {
  stream?.close();
  await Promise.all([app?.close(), plain?.close()]);
  await Promise.all([mcp?.close(), open?.close()]);
});

const as = (account: TestAccount) => ({ token: account.token });
const bearer = { type: 'bearer', token: TOKEN };

describe('registering a server', () => {
  it('stores it pending, then a check lists its tools, resources and prompts', async () => {
    const created = await http.post(
      '/api/v1/mcp-servers',
      { name: 'calc', description: 'The test server', endpoint: mcp.url, authentication: bearer },
      as(owner),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      organization_id: owner.organizationId,
      name: 'calc',
      transport: 'streamable_http',
      endpoint: mcp.url,
      command: null,
      authentication: { type: 'bearer' },
      enabled: true,
      tools: [],
      health: { status: 'pending', error: null, checked_at: null },
      created_by_user_id: owner.userId,
    });

    const server = await settledMcpServer(http, owner.token, created.body.id);
    expect(server.health).toMatchObject({ status: 'connected', error: null });
    expect(Date.parse(server.health.checked_at)).toBeGreaterThan(Date.parse(created.body.created_at) - 1_000);
    expect(server.capabilities).toEqual(['prompts', 'resources', 'tools']);
    expect(server.server_info).toEqual({ name: 'agentry-test-mcp', version: '1.0.0' });
    expect(server.tools.map((tool: { name: string }) => tool.name)).toEqual(
      TEST_TOOLS.map((tool) => `calc.${tool}`),
    );
    expect(server.tools.find((tool: { name: string }) => tool.name === 'calc.add')).toMatchObject({
      mcp_tool_name: 'add',
      description: 'Adds two numbers.',
      enabled: true,
      input_schema: { type: 'object', required: ['a', 'b'] },
    });
    expect(server.resources).toEqual([
      {
        uri: 'test://greeting',
        name: 'greeting',
        description: 'A friendly greeting.',
        mime_type: 'text/plain',
      },
    ]);
    expect(server.prompts).toEqual([
      {
        name: 'summarize',
        description: 'Asks for a summary.',
        arguments: [{ name: 'text', description: 'What to summarize', required: true }],
      },
    ]);
    // The check authenticated with the sealed token.
    expect(mcp.authorizations).toContain(`Bearer ${TOKEN}`);

    const list = await http.get('/api/v1/mcp-servers?limit=10', as(owner));
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(list.body[0]).toMatchObject({ id: server.id, tools: server.tools });

    const createdEvent = stream.events.find(
      (event) => event.type === 'mcp-server-created' && event.data.mcp_server_id === server.id,
    );
    expect(createdEvent?.data).toMatchObject({ name: 'calc', health_status: 'pending' });
    await expect
      .poll(() => checkEvents(server.id).map((event) => event.data.health_status))
      .toContain('connected');
  });

  it('accepts seed 004’s shape: authentication dict, capabilities (ignored), health_check_url', async () => {
    const server = await registerMcpServer(http, owner.token, {
      name: 'seed-shape',
      endpoint: open.url,
      authentication: {},
      capabilities: ['tools', 'made-up'],
      health_check_url: `http://127.0.0.1:${open.port}/health`,
      enabled: true,
    });
    expect(server.authentication).toEqual({ type: 'none' });
    expect(server.capabilities).toEqual(['prompts', 'resources', 'tools']);
    // The test server answers 404 outside /mcp: the health check URL fails the check.
    expect(server.health).toMatchObject({
      status: 'error',
      error: 'The health check URL answered HTTP 404',
    });
    expect(server.tools).toHaveLength(TEST_TOOLS.length);

    const fixed = await http.patch(`/api/v1/mcp-servers/${server.id}`, { health_check_url: null }, as(owner));
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect(fixed.body.health.status).toBe('pending');
    expect((await settledMcpServer(http, owner.token, server.id)).health.status).toBe('connected');
  });

  it('records a refused token as a health error, and connects once the token is right', async () => {
    const server = await registerMcpServer(http, owner.token, {
      name: 'wrong-token',
      endpoint: mcp.url,
      authentication: { type: 'bearer', token: 'not-the-token-0000000000' },
    });
    expect(server.health.status).toBe('error');
    expect(server.health.error).toContain('refused the credentials (HTTP 401)');
    expect(server.tools).toEqual([]);

    const updated = await http.patch(
      `/api/v1/mcp-servers/${server.id}`,
      { authentication: bearer },
      as(owner),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.health).toMatchObject({ status: 'pending', error: null });
    const connected = await settledMcpServer(http, owner.token, server.id);
    expect(connected.health.status).toBe('connected');
    expect(connected.tools).toHaveLength(TEST_TOOLS.length);
  });

  it('sends header authentication and shows only the header names', async () => {
    const server = await registerMcpServer(http, owner.token, {
      name: 'headers',
      endpoint: open.url,
      authentication: { type: 'headers', headers: { 'X-Api-Key': HEADER_SECRET, 'X-Team': 'blue' } },
    });
    expect(server.authentication).toEqual({ type: 'headers', header_names: ['X-Api-Key', 'X-Team'] });
    expect(server.health.status).toBe('connected');
  });

  it('runs a stdio server whose command the operator allows', async () => {
    const server = await registerMcpServer(http, owner.token, {
      name: 'local',
      transport: 'stdio',
      command: process.execPath,
      args: [STDIO_SERVER],
    });
    expect(server).toMatchObject({ transport: 'stdio', endpoint: null, command: process.execPath });
    expect(server.health).toMatchObject({ status: 'connected', error: null });
    expect(server.tools.map((tool: { name: string }) => tool.name)).toEqual(
      TEST_TOOLS.map((tool) => `local.${tool}`),
    );
  });
});

describe('refresh and the tool list', () => {
  it('keeps the organization’s enabled choice, drops vanished tools and brings them back', async () => {
    const server = await registerMcpServer(http, owner.token, { name: 'Shifting', endpoint: open.url });
    const echo = server.tools.find((tool: { mcp_tool_name: string }) => tool.mcp_tool_name === 'echo');
    const disabled = await http.patch(`/api/v1/tools/${echo.id}`, { enabled: false }, as(owner));
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);

    open.offerOnly(['add', 'echo']);
    try {
      const refreshed = await http.post(`/api/v1/mcp-servers/${server.id}/refresh`, undefined, as(owner));
      expect(refreshed.status).toBe(202);
      expect(refreshed.body.health.status).toBe('pending');
      const fewer = await settledMcpServer(http, owner.token, server.id);
      expect(
        fewer.tools.map((tool: { name: string; enabled: boolean }) => [tool.name, tool.enabled]),
      ).toEqual([
        ['Shifting.add', true],
        ['Shifting.echo', false],
      ]);
    } finally {
      open.offerOnly();
    }
    await http.post(`/api/v1/mcp-servers/${server.id}/refresh`, undefined, as(owner));
    const all = await settledMcpServer(http, owner.token, server.id);
    expect(all.tools).toHaveLength(TEST_TOOLS.length);
    // The tools came back on their old rows: same ids, and echo still disabled.
    expect(all.tools.find((tool: { id: string }) => tool.id === echo.id)).toMatchObject({ enabled: false });
    expect(new Set(all.tools.map((tool: { id: string }) => tool.id)).size).toBe(TEST_TOOLS.length);
  });

  it('renames the tools with the server', async () => {
    const server = await registerMcpServer(http, owner.token, { name: 'before', endpoint: open.url });
    const renamed = await http.patch(`/api/v1/mcp-servers/${server.id}`, { name: 'after' }, as(owner));
    expect(renamed.status).toBe(200);
    expect(renamed.body.health.status).toBe('connected');
    expect(renamed.body.tools.map((tool: { name: string }) => tool.name)).toEqual(
      TEST_TOOLS.map((tool) => `after.${tool}`),
    );
    expect(renamed.body.tools.map((tool: { id: string }) => tool.id)).toEqual(
      server.tools.map((tool: { id: string }) => tool.id),
    );
  });

  it('enqueues a periodic check of every enabled server with the sequence it holds', async () => {
    const disabled = await registerMcpServer(http, owner.token, { name: 'sleeping', endpoint: open.url });
    await http.patch(`/api/v1/mcp-servers/${disabled.id}`, { enabled: false }, as(owner));
    const sent: { queue: string; data: Record<string, unknown> }[] = [];
    const job = mcpHealthJob({
      db: app.database.db,
      queue: {
        send: async (queue, data) => {
          sent.push({ queue, data: data as Record<string, unknown> });
          return null;
        },
      },
      schedule: '*/5 * * * *',
    });
    await job.handle({ id: 'periodic', data: {}, attempt: 0, signal: new AbortController().signal });
    const ours = sent.filter((entry) => entry.data.organizationId === owner.organizationId);
    expect(ours.every((entry) => entry.queue === 'mcp-server-check')).toBe(true);
    expect(ours.map((entry) => entry.data.serverId)).not.toContain(disabled.id);
    const listed = (await http.get('/api/v1/mcp-servers?limit=200', as(owner))).body as {
      id: string;
      enabled: boolean;
    }[];
    expect(new Set(ours.map((entry) => entry.data.serverId))).toEqual(
      new Set(listed.filter((server) => server.enabled).map((server) => server.id)),
    );
  });
});

describe('refused requests lose nothing', () => {
  const create = (body: Record<string, unknown>, client = http) =>
    client.post('/api/v1/mcp-servers', body, as(owner));

  it('refuses bad names, endpoints, authentication and transports with 422', async () => {
    const before = (await http.get('/api/v1/mcp-servers', as(owner))).headers.get('x-total-count');
    for (const body of [
      { name: '9lives', endpoint: open.url },
      { name: 'has.dot', endpoint: open.url },
      { name: 'x'.repeat(33), endpoint: open.url },
      { name: 'no-endpoint' },
      { name: 'ftp', endpoint: 'ftp://example.com/mcp' },
      { name: 'userinfo', endpoint: 'http://user:pass@example.com/mcp' },
      { name: 'both', endpoint: open.url, command: 'node' },
      { name: 'reserved', endpoint: open.url, authentication: { type: 'headers', headers: { Host: 'x' } } },
      { name: 'untyped', endpoint: open.url, authentication: { token: TOKEN } },
      { name: 'stdio-auth', transport: 'stdio', command: process.execPath, authentication: bearer },
      { name: 'retry', endpoint: open.url, retry_config: { max_attempts: 0 } },
    ]) {
      const response = await create(body);
      expectError(response, 422, 'validation_error');
    }
    expect((await http.get('/api/v1/mcp-servers', as(owner))).headers.get('x-total-count')).toBe(before);
  });

  it('refuses stdio unless the operator allows the command, and says why', async () => {
    const refused = await create({ name: 'shell', transport: 'stdio', command: 'bash', args: ['-c', 'id'] });
    expectError(refused, 422, 'validation_error');
    expect(refused.body.message).toContain('MCP_STDIO_ALLOWED_COMMANDS');
    expect(refused.body.message).toContain('runs a command on the Agentry host');

    const stranger = await registerAccount(plain.http, 'No stdio here');
    const off = await plain.http.post(
      '/api/v1/mcp-servers',
      { name: 'local', transport: 'stdio', command: process.execPath, args: [STDIO_SERVER] },
      as(stranger),
    );
    expectError(off, 422, 'validation_error');
    expect(off.body.message).toContain('allows none: stdio is off');
  });

  it('refuses a loopback endpoint without OUTBOUND_ALLOWLIST (400)', async () => {
    const stranger = await registerAccount(plain.http, 'Guarded');
    const blocked = await plain.http.post(
      '/api/v1/mcp-servers',
      { name: 'loopback', endpoint: open.url },
      as(stranger),
    );
    expectError(blocked, 400, 'outbound_url_blocked');
    expect(blocked.body.message).toContain('loopback');
    const list = await plain.http.get('/api/v1/mcp-servers', as(stranger));
    expect(list.body).toEqual([]);
  });

  it('refuses a second server of the same name in any case (409)', async () => {
    await registerMcpServer(http, owner.token, { name: 'Twin', endpoint: open.url });
    expectError(await create({ name: 'twin', endpoint: open.url }), 409, 'mcp_server_name_taken');
  });
});

describe('access', () => {
  it('lets agent_admin read but only org_admin write; agent_user cannot read', async () => {
    const server = await registerMcpServer(http, owner.token, { name: 'guarded', endpoint: open.url });
    const admin = await addMember(app.http, owner, 'agent_admin');
    const user = await addMember(app.http, owner, 'agent_user');
    expect((await http.get(`/api/v1/mcp-servers/${server.id}`, as(admin))).status).toBe(200);
    expectError(
      await http.patch(`/api/v1/mcp-servers/${server.id}`, { enabled: false }, as(admin)),
      403,
      'authorization_error',
    );
    expectError(
      await http.post('/api/v1/mcp-servers', { name: 'mine', endpoint: open.url }, as(admin)),
      403,
      'authorization_error',
    );
    expectError(await http.get('/api/v1/mcp-servers', as(user)), 403, 'authorization_error');
  });

  it('answers 403 for another organization’s server and 404 for a missing one', async () => {
    const server = await registerMcpServer(http, owner.token, { name: 'private', endpoint: open.url });
    const stranger = await registerAccount(app.http, 'Stranger');
    const path = `/api/v1/mcp-servers/${server.id}`;
    expectError(await http.get(path, as(stranger)), 403, 'authorization_error');
    expectError(await http.patch(path, { enabled: false }, as(stranger)), 403, 'authorization_error');
    expectError(await http.post(`${path}/refresh`, undefined, as(stranger)), 403, 'authorization_error');
    expectError(await http.delete(path, as(stranger)), 403, 'authorization_error');
    expect((await http.get('/api/v1/mcp-servers', as(stranger))).body).toEqual([]);
    expectError(
      await http.get('/api/v1/mcp-servers/0197a000-0000-7000-8000-000000000000', as(owner)),
      404,
      'not_found',
    );
    expect((await http.get(path, as(owner))).body.enabled).toBe(true);
  });

  it('deletes a server and its tools (204, then 404)', async () => {
    const server = await registerMcpServer(http, owner.token, { name: 'doomed', endpoint: open.url });
    expect((await http.delete(`/api/v1/mcp-servers/${server.id}`, as(owner))).status).toBe(204);
    expectError(await http.get(`/api/v1/mcp-servers/${server.id}`, as(owner)), 404, 'not_found');
    expectError(await http.delete(`/api/v1/mcp-servers/${server.id}`, as(owner)), 404, 'not_found');
    const rows = (await app.database.db.execute(
      sql`select count(*)::int as live from tools where mcp_server_id = ${server.id} and deleted_at is null`,
    )) as unknown as { rows: { live: number }[] };
    expect(rows.rows[0]?.live).toBe(0);
    // The name is free again.
    await registerMcpServer(http, owner.token, { name: 'doomed', endpoint: open.url });
  });
});

describe('secrets', () => {
  it('never returns, announces or logs a token or header value', async () => {
    const everything = [...bodies, ...stream.events.map((event) => JSON.stringify(event)), ...app.logs].join(
      '\n',
    );
    expect(bodies.length).toBeGreaterThan(20);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(HEADER_SECRET);
    const stored = (await app.database.db.execute(
      sql`select auth_ciphertext from mcp_servers where auth_type <> 'none' limit 1`,
    )) as unknown as { rows: { auth_ciphertext: string }[] };
    expect(stored.rows[0]?.auth_ciphertext).toMatch(/^v1\./);
  });
});

function checkEvents(serverId: string): ReceivedEvent[] {
  return stream.events.filter(
    (event) => event.type === 'mcp-server-updated' && event.data.mcp_server_id === serverId,
  );
}
