import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { type HttpToolTarget, startHttpToolTarget } from './support/http-tool-target.ts';
import { type McpTestServer, registerMcpServer, startMcpTestServer } from './support/mcp-test-server.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Issue 13's "done when", end to end through real protocols on loopback: an organization registers
 * an MCP server and an HTTP tool, gives both to an agent, and the agent's model (the OpenAI-compatible
 * stub) calls both in one turn and answers from their results; then the MCP SDK's own client lists
 * and calls that agent at Agentry's /mcp.
 */
const KEY = 'sk-scenario-stub-0123456789';
let stub: OpenAiStub;
let mcp: McpTestServer;
let target: HttpToolTarget;
let app: TestApp;
let owner: TestAccount;
let agentId: string;

const as = () => ({ token: owner.token });

beforeAll(async () => {
  [stub, mcp, target] = await Promise.all([
    startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] }),
    startMcpTestServer(),
    startHttpToolTarget(),
  ]);
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Scenario owner');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await Promise.all([stub?.close(), mcp?.close(), target?.close()]);
});

describe('tools and MCP, end to end', () => {
  it('an agent given an MCP server’s tool and an HTTP tool uses both in one turn', async () => {
    const server = await registerMcpServer(app.http, owner.token, { name: 'calc', endpoint: mcp.url });
    expect(server.health.status).toBe('connected');
    expect(server.tools.map((tool: { name: string }) => tool.name)).toContain('calc.add');
    const weather = await app.http.post(
      '/api/v1/tools',
      {
        name: 'weather',
        description: 'The weather in a city now',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        http: { method: 'GET', url_template: `${target.origin}/weather?city={{city}}` },
      },
      as(),
    );
    expect(weather.status, JSON.stringify(weather.body)).toBe(201);
    const agent = await app.http.post(
      '/api/v1/agents',
      {
        name: 'Planner',
        model: 'gpt-stub',
        tools: ['calc.add', 'weather'],
        show_suggestions_after_each_message: false,
        // No memory extraction: it would be one more model call to the stub, racing the queued replies.
        use_memory_context: false,
      },
      as(),
    );
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    agentId = agent.body.id;

    stub.reset();
    stub.enqueue(
      {
        type: 'tool-calls',
        toolCalls: [
          { id: 'call_weather', name: 'weather', arguments: { city: 'Paris' } },
          { id: 'call_add', name: 'calc__add', arguments: { a: 2, b: 3 } },
        ],
      },
      { type: 'text', text: 'Paris is clear, and 2 + 3 = 5.' },
    );
    const turn = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Weather in Paris, and what is 2 + 3?' },
      as(),
    );
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    expect(turn.body.content).toBe('Paris is clear, and 2 + 3 = 5.');
    expect(turn.body.tool_calls).toEqual([
      expect.objectContaining({
        name: 'weather',
        success: true,
        output: { status: 200, body: { city: 'Paris', temperature_c: 21, sky: 'clear' } },
        origin: { kind: 'http', tool_id: weather.body.id, host: `127.0.0.1:${target.port}` },
      }),
      expect.objectContaining({
        name: 'calc.add',
        success: true,
        output: { sum: 5 },
        origin: expect.objectContaining({ kind: 'mcp', mcp_server_id: server.id, mcp_server: 'calc' }),
      }),
    ]);
    // The model got both results before it answered.
    const followUp = stub.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
    const results = followUp.messages.filter((message) => message.role === 'tool');
    expect(results.map((message) => JSON.parse(message.content))).toEqual([
      { status: 200, body: { city: 'Paris', temperature_c: 21, sky: 'clear' } },
      { sum: 5 },
    ]);
    expect(target.requests.at(-1)?.url).toBe('/weather?city=Paris');
    expect(mcp.calls.at(-1)).toEqual({ tool: 'add', arguments: { a: 2, b: 3 } });
    const run = await app.http.get(`/api/v1/runs/${turn.body.run_id}`, as());
    expect(
      run.body.actions
        .filter((action: { action_type: string }) => action.action_type === 'tool_call')
        .map((action: { action_data: { tool: string; origin: { kind: string } } }) => [
          action.action_data.tool,
          action.action_data.origin.kind,
        ]),
    ).toEqual([
      ['weather', 'http'],
      ['calc.add', 'mcp'],
    ]);
  });

  it('the MCP SDK’s client lists the agent at /mcp and asks it a question', async () => {
    const key = await app.http.post('/api/v1/api-keys', { name: 'MCP client', role: 'agent_user' }, as());
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const client = new Client({ name: 'scenario', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key.body.key}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('ask_planner');
      stub.reset();
      stub.enqueue({ type: 'text', text: 'Hello from the planner.' });
      const result = await client.callTool({ name: 'ask_planner', arguments: { message: 'Hello?' } });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ answer: 'Hello from the planner.' });
      const runs = await app.http.get(`/api/v1/runs?agent_id=${agentId}&trigger=mcp`, as());
      expect(runs.body).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
