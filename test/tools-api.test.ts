import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpServers, tools } from '../src/modules/tools/tool-tables.ts';
import { uuidv7 } from '../src/platform/db/ids.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * /api/v1/tools: the organization's HTTP tools (create, read, change, delete, with their secret
 * headers never returned), the built-in tools beside them, the MCP servers' tools' limits, and
 * agents refused at write time when they name a tool the organization cannot use.
 */
let app: TestApp;
let owner: TestAccount;
let stranger: TestAccount;

const SECRET = 'sk-tools-api-secret-0123456789';
const as = (account: TestAccount = owner) => ({ token: account.token });
const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

function toolBody(overrides: Record<string, unknown> = {}, http: Record<string, unknown> = {}) {
  return {
    name: `tool_${uuidv7().slice(-12)}`,
    description: 'Current weather of a city',
    input_schema: weatherSchema,
    http: {
      method: 'GET',
      url_template: 'https://api.example.com/weather?city={{city}}',
      headers: { Accept: 'application/json' },
      secret_headers: { Authorization: `Bearer ${SECRET}` },
      ...http,
    },
    ...overrides,
  };
}

async function createTool(overrides: Record<string, unknown> = {}, account = owner) {
  const response = await app.http.post('/api/v1/tools', toolBody(overrides), as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

const storedCount = async () =>
  Number((await app.http.get('/api/v1/tools?kind=http&limit=1', as())).headers.get('x-total-count'));

/** An MCP server's tool as its server's checks store it (the MCP servers module writes these rows). */
async function insertMcpTool(account: TestAccount, serverEnabled: boolean) {
  const serverId = uuidv7();
  const serverName = `srv${serverId.slice(-6)}`;
  await app.database.db.insert(mcpServers).values({
    id: serverId,
    organizationId: account.organizationId,
    name: serverName,
    transport: 'streamable_http',
    endpoint: 'https://mcp.example.com/mcp',
    enabled: serverEnabled,
  });
  const toolId = uuidv7();
  await app.database.db.insert(tools).values({
    id: toolId,
    organizationId: account.organizationId,
    name: `${serverName}.lookup`,
    description: 'Looks a word up',
    kind: 'mcp',
    inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
    mcpServerId: serverId,
    mcpToolName: 'lookup',
  });
  return { serverId, toolId, name: `${serverName}.lookup` };
}

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Tool owner');
  stranger = await registerAccount(app.http, 'Stranger');
});
afterAll(() => app.close());

describe('HTTP tools: create and read', () => {
  it('creates an HTTP tool whose secret headers are stored but never returned', async () => {
    const created = await createTool({ name: 'get_weather', metadata: { team: 'support' } });
    expect(created).toMatchObject({
      id: expect.any(String),
      organization_id: owner.organizationId,
      name: 'get_weather',
      kind: 'http',
      enabled: true,
      input_schema: weatherSchema,
      schema: weatherSchema,
      metadata: { team: 'support' },
      http: {
        method: 'GET',
        url_template: 'https://api.example.com/weather?city={{city}}',
        headers: { Accept: 'application/json' },
        secret_header_names: ['Authorization'],
        body_template: null,
        timeout_seconds: null,
        max_response_bytes: 1024 * 1024,
      },
      mcp_server_id: null,
      retry_config: null,
      resilience: expect.objectContaining({ timeout_seconds: 30 }),
      created_by_user_id: owner.userId,
    });
    const read = await app.http.get(`/api/v1/tools/${created.id}`, as());
    expect(read.body).toEqual(created);
    const list = await app.http.get('/api/v1/tools?limit=200', as());
    for (const body of [created, read.body, list.body]) expect(JSON.stringify(body)).not.toContain(SECRET);
    const stored = await app.database.db.select().from(tools).where(eq(tools.id, created.id));
    expect(stored[0]?.secretHeadersCiphertext).toMatch(/^v1\./);
    expect(stored[0]?.secretHeadersCiphertext).not.toContain(SECRET);
  });

  it('lists the built-in tools first, read-only and with the same shape, then the stored ones', async () => {
    const created = await createTool();
    const list = await app.http.get('/api/v1/tools?limit=200', as());
    expect(list.status).toBe(200);
    const kinds = list.body.map((tool: { kind: string }) => tool.kind);
    const builtins = list.body.filter((tool: { kind: string }) => tool.kind === 'builtin');
    expect(kinds.slice(0, builtins.length).every((kind: string) => kind === 'builtin')).toBe(true);
    expect(builtins.map((tool: { name: string }) => tool.name)).toEqual(
      expect.arrayContaining(['current_time', 'search_session_messages', 'read_context', 'write_context']),
    );
    expect(builtins[0]).toMatchObject({
      id: 'current_time',
      organization_id: null,
      kind: 'builtin',
      enabled: true,
      http: null,
      metadata: { provided_by: 'builtin' },
      input_schema: expect.objectContaining({ type: 'object' }),
      created_at: null,
    });
    expect(Number(list.headers.get('x-total-count'))).toBe(list.body.length);
    expect(list.body.at(builtins.length).id).toBe(created.id);

    // Pages run across the two: the page after the built-ins starts with the stored tools.
    const page = await app.http.get(`/api/v1/tools?limit=2&offset=${builtins.length - 1}`, as());
    expect(page.body.map((tool: { id: string }) => tool.id)).toEqual([builtins.at(-1).id, created.id]);

    const builtin = await app.http.get('/api/v1/tools/current_time', as());
    expect(builtin.body).toEqual(builtins[0]);
    expectError(await app.http.get('/api/v1/tools/no_such_tool', as()), 404, 'not_found');
    expectError(await app.http.get(`/api/v1/tools/${uuidv7()}`, as()), 404, 'not_found');
  });

  it('filters by kind, enabled, search and MCP server', async () => {
    const disabled = await createTool({
      name: 'rarely_used',
      enabled: false,
      description: 'Quarterly report',
    });
    const onlyBuiltin = await app.http.get('/api/v1/tools?kind=builtin', as());
    expect(onlyBuiltin.body.every((tool: { kind: string }) => tool.kind === 'builtin')).toBe(true);
    const onlyHttp = await app.http.get('/api/v1/tools?kind=http&limit=200', as());
    expect(onlyHttp.body.every((tool: { kind: string }) => tool.kind === 'http')).toBe(true);
    const off = await app.http.get('/api/v1/tools?enabled=false', as());
    expect(off.body.map((tool: { id: string }) => tool.id)).toEqual([disabled.id]);
    const found = await app.http.get('/api/v1/tools?search=QUARTERLY', as());
    expect(found.body.map((tool: { id: string }) => tool.id)).toEqual([disabled.id]);
    const time = await app.http.get('/api/v1/tools?search=current_t', as());
    expect(time.body.map((tool: { name: string }) => tool.name)).toEqual(['current_time']);
    const mcp = await insertMcpTool(owner, true);
    const ofServer = await app.http.get(`/api/v1/tools?mcp_server_id=${mcp.serverId}`, as());
    expect(ofServer.body).toEqual([
      expect.objectContaining({
        id: mcp.toolId,
        kind: 'mcp',
        mcp_server_id: mcp.serverId,
        mcp_tool_name: 'lookup',
      }),
    ]);
    expect(ofServer.headers.get('x-total-count')).toBe('1');
  });

  it('accepts seed 004’s `schema` for input_schema, and a tool with no schema takes any object', async () => {
    const seedShaped = await app.http.post(
      '/api/v1/tools',
      { ...toolBody(), input_schema: undefined, schema: weatherSchema },
      as(),
    );
    expect(seedShaped.status, JSON.stringify(seedShaped.body)).toBe(201);
    expect(seedShaped.body.input_schema).toEqual(weatherSchema);
    const bare = await app.http.post(
      '/api/v1/tools',
      toolBody({ input_schema: undefined }, { url_template: 'https://api.example.com/ping' }),
      as(),
    );
    expect(bare.status, JSON.stringify(bare.body)).toBe(201);
    expect(bare.body.input_schema).toEqual({ type: 'object', properties: {} });
  });
});

describe('HTTP tools: what is refused, and loses nothing', () => {
  const refusals: { title: string; body: () => Record<string, unknown>; field: string }[] = [
    { title: 'a name with a dot', body: () => toolBody({ name: 'my.tool' }), field: 'name' },
    { title: 'a name starting with a digit', body: () => toolBody({ name: '1tool' }), field: 'name' },
    { title: 'a name of 65 characters', body: () => toolBody({ name: 'a'.repeat(65) }), field: 'name' },
    { title: 'kind mcp', body: () => toolBody({ kind: 'mcp' }), field: 'kind' },
    {
      title: 'a schema that is not an object schema',
      body: () => toolBody({ input_schema: { type: 'string' } }),
      field: 'input_schema.type',
    },
    {
      title: 'a schema the meta-schema refuses',
      body: () => toolBody({ input_schema: { type: 'object', properties: 5 } }),
      field: 'input_schema.properties',
    },
    {
      title: 'input_schema and schema that differ',
      body: () => toolBody({ schema: { type: 'object' } }),
      field: 'schema',
    },
    {
      title: 'an ftp URL',
      body: () => toolBody({}, { url_template: 'ftp://files.example.com/{{city}}' }),
      field: 'http.url_template',
    },
    {
      title: 'credentials in the URL',
      body: () => toolBody({}, { url_template: 'https://user:pw@api.example.com/{{city}}' }),
      field: 'http.url_template',
    },
    {
      title: 'a placeholder the schema does not declare',
      body: () => toolBody({}, { url_template: 'https://api.example.com/weather?city={{town}}' }),
      field: 'http.url_template',
    },
    {
      title: 'a body template on GET',
      body: () => toolBody({}, { body_template: '{"city": "{{city}}"}' }),
      field: 'http.body_template',
    },
    {
      title: 'a body template that is not JSON',
      body: () => toolBody({}, { method: 'POST', body_template: '{"city": {{city}}}' }),
      field: 'http.body_template',
    },
    {
      title: 'a header both plain and secret',
      body: () => toolBody({}, { headers: { authorization: 'Basic x' } }),
      field: 'http.secret_headers.Authorization',
    },
    {
      title: 'a reserved header',
      body: () => toolBody({}, { headers: { Host: 'elsewhere.example.com' } }),
      field: 'http.headers.Host',
    },
    {
      title: 'a response limit above 10 MiB',
      body: () => toolBody({}, { max_response_bytes: 10 * 1024 * 1024 + 1 }),
      field: 'http.max_response_bytes',
    },
  ];

  it.each(refusals)('refuses $title with a 422 naming the field', async ({ body, field }) => {
    const before = await storedCount();
    const response = await app.http.post('/api/v1/tools', body(), as());
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await storedCount()).toBe(before);
  });

  it('refuses a secret header that cannot be sent, without showing its value', async () => {
    const response = await app.http.post(
      '/api/v1/tools',
      toolBody({}, { secret_headers: { 'X-Token': `${SECRET}\r\nX-Injected: 1`, 'Bad Name': SECRET } }),
      as(),
    );
    expectError(response, 422, 'validation_error');
    expect(response.body.validation_errors).toEqual([
      expect.objectContaining({
        field: 'http.secret_headers.Bad Name',
        message: expect.stringContaining('must be an HTTP header name'),
        value: '[redacted]',
      }),
      expect.objectContaining({ field: 'http.secret_headers.X-Token', value: '[redacted]' }),
    ]);
    expect(JSON.stringify(response.body)).not.toContain(SECRET);
  });

  it('refuses a duplicate name in any case, and a built-in tool’s name (409)', async () => {
    await createTool({ name: 'lookup_order' });
    const before = await storedCount();
    expectError(
      await app.http.post('/api/v1/tools', toolBody({ name: 'Lookup_Order' }), as()),
      409,
      'tool_name_taken',
    );
    expectError(
      await app.http.post('/api/v1/tools', toolBody({ name: 'current_time' }), as()),
      409,
      'tool_name_taken',
    );
    expect(await storedCount()).toBe(before);
    // Another organization may use the name.
    await createTool({ name: 'lookup_order' }, stranger);
  });

  it('refuses a fixed URL the outbound guard refuses (400), and one whose host is a placeholder is checked per call', async () => {
    const before = await storedCount();
    const privateUrl = await app.http.post(
      '/api/v1/tools',
      toolBody({}, { url_template: 'http://10.1.2.3/weather?city={{city}}' }),
      as(),
    );
    expectError(privateUrl, 400, 'outbound_url_blocked');
    expect(await storedCount()).toBe(before);
    const placeholderHost = await app.http.post(
      '/api/v1/tools',
      toolBody(
        {
          input_schema: {
            type: 'object',
            properties: { host: { type: 'string' }, city: { type: 'string' } },
          },
        },
        { url_template: 'http://{{host}}/weather?city={{city}}' },
      ),
      as(),
    );
    expect(placeholderHost.status, JSON.stringify(placeholderHost.body)).toBe(201);
  });

  it('lets only agent_admin and above read and manage tools', async () => {
    const tool = await createTool();
    for (const role of ['readonly', 'agent_user']) {
      const member = await addMember(app.http, owner, role);
      expectError(await app.http.get('/api/v1/tools', as(member)), 403, 'authorization_error');
      expectError(await app.http.post('/api/v1/tools', toolBody(), as(member)), 403, 'authorization_error');
      expectError(
        await app.http.patch(`/api/v1/tools/${tool.id}`, { enabled: false }, as(member)),
        403,
        'authorization_error',
      );
    }
    const admin = await addMember(app.http, owner, 'agent_admin');
    expect((await app.http.post('/api/v1/tools', toolBody(), as(admin))).status).toBe(201);
    expect((await app.http.get('/api/v1/tools', {})).status).toBe(401);
  });

  it('answers 403 for another organization’s tool and 404 for a missing one', async () => {
    const tool = await createTool();
    expectError(await app.http.get(`/api/v1/tools/${tool.id}`, as(stranger)), 403, 'authorization_error');
    expectError(
      await app.http.patch(`/api/v1/tools/${tool.id}`, { enabled: false }, as(stranger)),
      403,
      'authorization_error',
    );
    expectError(await app.http.delete(`/api/v1/tools/${tool.id}`, as(stranger)), 403, 'authorization_error');
    expectError(
      await app.http.post(`/api/v1/tools/${tool.id}/test`, { arguments: { city: 'Oslo' } }, as(stranger)),
      403,
      'authorization_error',
    );
    expect((await app.http.get(`/api/v1/tools/${tool.id}`, as())).body.enabled).toBe(true);
  });
});

describe('HTTP tools: change and delete', () => {
  it('changes the fields given and keeps the rest, secret headers included', async () => {
    const tool = await createTool();
    const changed = await app.http.patch(
      `/api/v1/tools/${tool.id}`,
      { description: 'Weather, faster', http: { timeout_seconds: 5 }, retry_config: { max_attempts: 1 } },
      as(),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({
      description: 'Weather, faster',
      retry_config: { max_attempts: 1 },
      // Its own settings over the server's TOOL_* defaults.
      resilience: {
        retry: { max_attempts: 1, base_delay: 0.2, max_delay: 2 },
        circuit_breaker: { failure_threshold: 5, recovery_timeout: 30 },
        timeout_seconds: 5,
      },
      http: { ...tool.http, timeout_seconds: 5, secret_header_names: ['Authorization'] },
    });
    const replaced = await app.http.patch(
      `/api/v1/tools/${tool.id}`,
      { http: { secret_headers: { 'X-Api-Key': 'another-secret-value' } } },
      as(),
    );
    expect(replaced.body.http.secret_header_names).toEqual(['X-Api-Key']);
    const removed = await app.http.patch(
      `/api/v1/tools/${tool.id}`,
      { http: { secret_headers: null } },
      as(),
    );
    expect(removed.body.http.secret_header_names).toEqual([]);

    const bad = await app.http.patch(
      `/api/v1/tools/${tool.id}`,
      { input_schema: { type: 'object', properties: { town: { type: 'string' } } } },
      as(),
    );
    expectError(bad, 422, 'validation_error');
    expect(bad.body.validation_errors[0].field).toBe('http.url_template');
    expect((await app.http.get(`/api/v1/tools/${tool.id}`, as())).body.input_schema).toEqual(weatherSchema);
  });

  it('deletes an HTTP tool (204, then 404), which frees its name', async () => {
    const tool = await createTool({ name: 'short_lived' });
    expect((await app.http.delete(`/api/v1/tools/${tool.id}`, as())).status).toBe(204);
    expectError(await app.http.get(`/api/v1/tools/${tool.id}`, as()), 404, 'not_found');
    expectError(await app.http.delete(`/api/v1/tools/${tool.id}`, as()), 404, 'not_found');
    await createTool({ name: 'short_lived' });
  });

  it('keeps built-in tools read-only (409)', async () => {
    expectError(
      await app.http.patch('/api/v1/tools/current_time', { enabled: false }, as()),
      409,
      'builtin_tool_read_only',
    );
    expectError(await app.http.delete('/api/v1/tools/current_time', as()), 409, 'builtin_tool_read_only');
    expectError(
      await app.http.post('/api/v1/tools/current_time/test', { arguments: {} }, as()),
      409,
      'builtin_tool_read_only',
    );
  });

  it('lets an MCP server’s tool be enabled or disabled, but not changed otherwise or deleted', async () => {
    const mcp = await insertMcpTool(owner, true);
    const disabled = await app.http.patch(`/api/v1/tools/${mcp.toolId}`, { enabled: false }, as());
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body).toMatchObject({ kind: 'mcp', enabled: false, name: mcp.name });
    const renamed = await app.http.patch(
      `/api/v1/tools/${mcp.toolId}`,
      { name: 'other', description: 'x' },
      as(),
    );
    expectError(renamed, 422, 'validation_error');
    expect(renamed.body.validation_errors.map((error: { field: string }) => error.field)).toEqual([
      'name',
      'description',
    ]);
    expectError(await app.http.delete(`/api/v1/tools/${mcp.toolId}`, as()), 409, 'mcp_tool_not_deletable');
    expect((await app.http.get(`/api/v1/tools/${mcp.toolId}`, as())).body.name).toBe(mcp.name);
  });
});

describe('POST /tools/{id}/test', () => {
  it('validates the arguments against the input schema first (422 naming the problem)', async () => {
    const tool = await createTool();
    const missing = await app.http.post(`/api/v1/tools/${tool.id}/test`, { arguments: {} }, as());
    expectError(missing, 422, 'validation_error');
    expect(missing.body.validation_errors[0]).toMatchObject({ field: 'arguments.city' });
    const wrongType = await app.http.post(`/api/v1/tools/${tool.id}/test`, { arguments: { city: 7 } }, as());
    expectError(wrongType, 422, 'validation_error');
    expect(wrongType.body.validation_errors[0]).toMatchObject({
      field: 'arguments.city',
      message: 'must be string',
    });
  });
});

describe('agents name the tools they use', () => {
  async function createAgent(body: Record<string, unknown>) {
    return app.http.post('/api/v1/agents', { name: 'Tooled', ...body }, as());
  }

  it('refuses unknown and disabled tools at write time (422 naming them), and accepts enabled ones', async () => {
    const enabled = await createTool({ name: 'open_ticket' });
    const disabled = await createTool({ name: 'close_ticket', enabled: false });
    const unknown = await createAgent({ tools: ['open_ticket', 'no_such_tool', 'close_ticket'] });
    expectError(unknown, 422, 'validation_error');
    expect(unknown.body.validation_errors).toEqual([
      expect.objectContaining({
        field: 'tools',
        value: ['no_such_tool', 'close_ticket'],
        message: 'names no tool of this organization: no_such_tool; names disabled tools: close_ticket',
      }),
    ]);
    const grouped = await createAgent({ configuration: { tools: ['Open_Ticket'] } });
    expectError(grouped, 422, 'validation_error');
    expect(grouped.body.validation_errors[0].field).toBe('configuration.tools');

    const agent = await createAgent({ tools: ['open_ticket', 'current_time', 'read_context'] });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    expect(agent.body.tools).toEqual(['open_ticket', 'current_time', 'read_context']);
    // Another organization's tool of the same name does not count.
    const strangers = await app.http.post('/api/v1/agents', { tools: ['open_ticket'] }, as(stranger));
    expectError(strangers, 422, 'validation_error');

    // A tool disabled after the agent named it blocks no change of the agent, and rollback keeps it.
    await app.http.patch(`/api/v1/tools/${enabled.id}`, { enabled: false }, as());
    const renamed = await app.http.patch(`/api/v1/agents/${agent.body.id}`, { name: 'Renamed' }, as());
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const kept = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { tools: ['current_time', 'open_ticket'] },
      as(),
    );
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const added = await app.http.patch(
      `/api/v1/agents/${agent.body.id}`,
      { tools: ['current_time', 'open_ticket', 'close_ticket'] },
      as(),
    );
    expectError(added, 422, 'validation_error');
    const emptied = await app.http.patch(`/api/v1/agents/${agent.body.id}`, { tools: [] }, as());
    expect(emptied.body.tools).toEqual([]);
    const rollback = await app.http.post(
      `/api/v1/agents/${agent.body.id}/configuration/rollback`,
      { version: 1 },
      as(),
    );
    expect(rollback.status, JSON.stringify(rollback.body)).toBe(200);
    expect(rollback.body.tools).toEqual(['open_ticket', 'current_time', 'read_context']);
    expect(disabled.enabled).toBe(false);
  });

  it('refuses an MCP tool that is disabled or whose server is disabled', async () => {
    const offServer = await insertMcpTool(owner, false);
    const refused = await createAgent({ tools: [offServer.name] });
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0].message).toBe(`names disabled tools: ${offServer.name}`);
    const onServer = await insertMcpTool(owner, true);
    expect((await createAgent({ tools: [onServer.name] })).status).toBe(201);
  });

  it('still turns the built-in tools on with tools_enabled: true', async () => {
    const agent = await createAgent({ configuration: { tools_enabled: true } });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    expect(agent.body.tools).toEqual(['current_time', 'search_session_messages']);
  });
});
