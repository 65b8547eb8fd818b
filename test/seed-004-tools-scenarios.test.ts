import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { type McpTestServer, settledMcpServer, startMcpTestServer } from './support/mcp-test-server.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Replays seed 004's tools, MCP servers and external services (section 3's Tool, MCPServer,
 * ExternalService, RetryConfig, CircuitBreakerConfig and ServiceHealth models, and its tools and
 * MCP server tables) as a Python client dumping those models would send them. docs/seeds.md says
 * where Agentry differs.
 */
let app: TestApp;
let stub: OpenAiStub;
let mcp: McpTestServer;
let user: TestAccount;
const STUB_KEY = 'sk-seed-004-tools-0123456789';

/** `RetryConfig()` and `CircuitBreakerConfig()` with their defaults, as `model_dump()` writes them. */
const seedRetryConfig = {
  max_attempts: 3,
  base_delay: 1.0,
  max_delay: 60.0,
  multiplier: 2.0,
  jitter: true,
  retryable_errors: [],
};
const seedCircuitBreakerConfig = {
  failure_threshold: 5,
  recovery_timeout: 60.0,
  expected_exception: [],
  fallback_enabled: true,
};

beforeAll(async () => {
  [stub, mcp] = await Promise.all([startOpenAiStub({ apiKey: STUB_KEY }), startMcpTestServer()]);
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  user = await registerAccount(app.http, 'Seed 004 tools');
});
afterAll(async () => {
  await app?.close();
  await Promise.all([stub?.close(), mcp?.close()]);
});

const as = () => ({ token: user.token });

describe('seed 004 tools, MCP servers and external services', () => {
  it('takes a Tool as the seed writes it (schema, mcp_server_id null), with how Agentry calls it', async () => {
    const tool = await app.http.post(
      '/api/v1/tools',
      {
        name: 'create_ticket',
        description: 'Creates a support ticket',
        schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
        mcp_server_id: null,
        enabled: true,
        metadata: { team: 'support' },
        // Not in the seed's model: what Agentry calls when the model uses the tool
        // (docs/decisions/0015-seed-adaptations.md §4).
        http: { method: 'POST', url_template: 'https://tickets.example.com/api/tickets' },
        retry_config: seedRetryConfig,
        circuit_breaker_config: seedCircuitBreakerConfig,
      },
      as(),
    );
    expect(tool.status, JSON.stringify(tool.body)).toBe(201);
    expect(tool.body).toMatchObject({
      name: 'create_ticket',
      kind: 'http',
      input_schema: { required: ['title'] },
      mcp_server_id: null,
      enabled: true,
      metadata: { team: 'support' },
    });
    // An agent names the organization's tools; one it does not have is refused, naming it
    // (docs/decisions/0015-seed-adaptations.md §4).
    const agent = await app.http.post('/api/v1/agents', { name: 'Support', tools: ['create_ticket'] }, as());
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const unknown = await app.http.post(
      '/api/v1/agents',
      { name: 'Support', tools: ['search_tickets'] },
      as(),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.validation_errors).toMatchObject([{ field: 'tools', value: ['search_tickets'] }]);
  });

  it('takes an MCPServer as the seed writes it, and discovers its capabilities and tools', async () => {
    const created = await app.http.post(
      '/api/v1/mcp-servers',
      {
        name: 'calculator',
        description: 'Arithmetic over MCP',
        endpoint: mcp.url,
        authentication: {},
        capabilities: [],
        health_check_url: null,
        enabled: true,
        retry_config: seedRetryConfig,
        circuit_breaker_config: seedCircuitBreakerConfig,
      },
      as(),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const server = await settledMcpServer(app.http, user.token, created.body.id);
    expect(server.health.status).toBe('connected');
    expect(server.capabilities).toContain('tools');
    // The seed's Tool.mcp_server_id: the server's tools are tools of the organization.
    const tools = await app.http.get(`/api/v1/tools?mcp_server_id=${server.id}`, as());
    expect(tools.body.map((tool: { name: string }) => tool.name)).toContain('calculator.add');
    expect(tools.body[0]).toMatchObject({ kind: 'mcp', mcp_server_id: server.id });
  });

  it('refuses what Agentry cannot honour in a RetryConfig, naming the field', async () => {
    const response = await app.http.post(
      '/api/v1/providers',
      {
        name: 'Picky',
        type: 'openai_compatible',
        base_url: stub.url,
        api_key: STUB_KEY,
        retry_config: { ...seedRetryConfig, retryable_errors: ['httpx.ConnectError'] },
      },
      as(),
    );
    expect(response.status).toBe(422);
    expect(response.body.validation_errors).toMatchObject([{ field: 'retry_config.retryable_errors' }]);
    expect((await app.http.get('/api/v1/providers', as())).body).toEqual([]);
  });

  it('lists every service with ServiceHealth’s fields', async () => {
    const provider = await app.http.post(
      '/api/v1/providers',
      {
        name: 'Stub',
        type: 'openai_compatible',
        base_url: stub.url,
        api_key: STUB_KEY,
        retry_config: seedRetryConfig,
        circuit_breaker_config: seedCircuitBreakerConfig,
      },
      as(),
    );
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    const health = await app.http.get('/api/v1/health/services', as());
    expect(health.status).toBe(200);
    expect(health.body.map((service: { service_type: string }) => service.service_type).sort()).toEqual([
      'http_tool',
      'llm_provider',
      'mcp_server',
    ]);
    for (const service of health.body) {
      expect(service).toMatchObject({
        service_name: expect.any(String),
        status: expect.any(String),
        error_count: expect.any(Number),
        success_count: expect.any(Number),
        circuit_breaker_state: 'closed',
      });
      expect(service).toHaveProperty('last_check');
    }
  });
});
