import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServiceCalls } from '../src/modules/services/service-calls.ts';
import { createMcpClientPool } from '../src/modules/tools/mcp-client-pool.ts';
import { createMcpConnector } from '../src/modules/tools/mcp-connection.ts';
import { createMcpToolCaller } from '../src/modules/tools/mcp-tool-caller.ts';
import { createSecretBox, parseSecretKey } from '../src/platform/crypto/secret-box.ts';
import { createOutboundGuard } from '../src/platform/http/outbound-guard.ts';
import { createCircuitBreaker } from '../src/platform/resilience/circuit-breaker.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { echoScript, type RecordedRequest } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { type McpTestServer, registerMcpServer, startMcpTestServer } from './support/mcp-test-server.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from './support/test-app.ts';

/**
 * MCP tools in turns (docs/mcp.md): the model (the OpenAI-compatible stub, scripted to call tools)
 * calls a registered server's tools through the pooled client; a tool error, a timeout and a dead
 * server are tool errors the model reads, never a failed turn; the breaker opens after the
 * server's threshold, fails calls fast, and closes once the server is back and the recovery
 * time has passed.
 */
const KEY = 'sk-mcp-turns-stub-0123456789';
const TOKEN = 'mcp-turns-token-0123456789abcdef';
const RESULT_MAX_BYTES = 4_096;
const STDIO_SERVER = fileURLToPath(new URL('./fixtures/mcp-stdio-server.ts', import.meta.url));
let stub: OpenAiStub;
let mcp: McpTestServer;
let app: TestApp;
let owner: TestAccount;
let agentId: string;

const as = () => ({ token: owner.token });

interface ChatRequest {
  messages: { role: string; content: string }[];
  tools?: { function: { name: string } }[];
}
const chatOf = (request: RecordedRequest | undefined) => request?.body as ChatRequest;

/** Letters and digits only: the name a model is offered may spell `server.tool` differently. */
const bare = (name: string) => name.replace(/[^A-Za-z0-9]/g, '');

/**
 * The stub's model: "use <tool> #<n>" calls the tool (by the name it was offered) with the n-th
 * input; once it has the tool's result it answers "Result: <the result as the model saw it>".
 * Anything else is echoed.
 */
const toolInputs: Record<string, unknown>[] = [];
function scriptedModel(request: RecordedRequest) {
  const { messages = [], tools } = chatOf(request) ?? {};
  const last = messages.at(-1);
  if (last?.role === 'tool') return { type: 'text' as const, text: `Result: ${last.content}` };
  const asked = tools && last?.role === 'user' ? /^use ([\w.-]+) #(\d+)$/.exec(last.content) : null;
  if (!asked) return echoScript(request);
  const [, wanted = '', index = ''] = asked;
  const name = tools?.find((tool) => bare(tool.function.name) === bare(wanted))?.function.name ?? wanted;
  return {
    type: 'tool-calls' as const,
    toolCalls: [{ id: 'call_1', name, arguments: toolInputs[Number(index)] ?? {} }],
  };
}

/** One turn whose model calls `tool` with `input`, then answers with what it got. */
async function turnCalling(tool: string, input: Record<string, unknown>) {
  toolInputs.push(input);
  const message = `use ${tool} #${toolInputs.length - 1}`;
  const started = performance.now();
  const response = await app.http.post(`/api/v1/agents/${agentId}/execute`, { message }, as());
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  const [call] = response.body.tool_calls;
  expect(call?.name).toBe(tool);
  return { answer: response.body.content as string, call, ms: performance.now() - started };
}

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  mcp = await startMcpTestServer({ bearerToken: TOKEN, slowToolDelayMs: 5_000 });
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    TOOL_RESULT_MAX_BYTES: String(RESULT_MAX_BYTES),
    MCP_STDIO_ALLOWED_COMMANDS: process.execPath,
  });
  owner = await registerAccount(app.http, 'MCP turns owner');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
  const server = await registerMcpServer(app.http, owner.token, {
    name: 'calc',
    endpoint: mcp.url,
    authentication: { type: 'bearer', token: TOKEN },
    // Small settings, so that timeouts and the breaker show within the test.
    timeout_seconds: 1,
    retry_config: { max_attempts: 2, base_delay: 0, max_delay: 0 },
    circuit_breaker_config: { failure_threshold: 2, recovery_timeout: 1 },
  });
  expect(server.health.status).toBe('connected');
  const local = await registerMcpServer(app.http, owner.token, {
    name: 'local',
    transport: 'stdio',
    command: process.execPath,
    args: [STDIO_SERVER],
  });
  expect(local.health.status).toBe('connected');
  const agent = await app.http.post(
    '/api/v1/agents',
    {
      name: 'Calculator',
      model: 'gpt-stub',
      tools: ['calc.add', 'calc.slow', 'calc.fail', 'calc.large', 'calc.mixed', 'local.echo'],
      show_suggestions_after_each_message: false,
    },
    as(),
  );
  expect(agent.status, JSON.stringify(agent.body)).toBe(201);
  agentId = agent.body.id;
});
afterAll(async () => {
  await app?.close();
  await Promise.all([stub?.close(), mcp?.close()]);
});
beforeEach(() => {
  stub.reset();
  stub.setScript(scriptedModel);
});

describe('an MCP tool in a turn', () => {
  it('is offered to the model with its schema, called, and its result used in the answer', async () => {
    const { answer, call } = await turnCalling('calc.add', { a: 2, b: 3 });
    expect(call).toMatchObject({ output: { sum: 5 }, success: true });
    expect(answer).toBe('Result: {"sum":5}');
    expect(mcp.calls.at(-1)).toEqual({ tool: 'add', arguments: { a: 2, b: 3 } });
    const offered = chatOf(stub.requests.find((request) => chatOf(request)?.tools))?.tools ?? [];
    expect(offered.map((tool) => bare(tool.function.name)).sort()).toEqual([
      'calcadd',
      'calcfail',
      'calclarge',
      'calcmixed',
      'calcslow',
      'localecho',
    ]);
  });

  it('calls a stdio server’s tool through its pooled process', async () => {
    const first = await turnCalling('local.echo', { text: 'over stdio' });
    expect(first.call).toMatchObject({ success: true, output: 'over stdio' });
    expect((await turnCalling('local.echo', { text: 'again' })).call.output).toBe('again');
  });

  it('reuses one pooled session for every call', async () => {
    await turnCalling('calc.add', { a: 1, b: 1 });
    const sessions = mcp.sessionsOpened;
    for (let index = 0; index < 3; index++) {
      expect((await turnCalling('calc.add', { a: index, b: 10 })).call.output).toEqual({ sum: index + 10 });
    }
    expect(mcp.sessionsOpened).toBe(sessions);
  });

  it('gives the model a tool’s own error, and the turn still answers', async () => {
    const { answer, call } = await turnCalling('calc.fail', { reason: 'boom' });
    expect(call).toMatchObject({ success: false, output: { error: 'Failed: boom' } });
    expect(answer).toContain('Failed: boom');
  });

  it('summarizes images and resources, and cuts a large result with a note', async () => {
    const mixed = await turnCalling('calc.mixed', {});
    expect(mixed.call.output).toBe(
      'Here is the chart.\n[image: image/png, 16 bytes]\n[resource test://greeting, text/plain]\nHello!',
    );
    const large = await turnCalling('calc.large', { bytes: 50_000 });
    expect(large.call.success).toBe(true);
    expect(large.call.output).toMatch(/\n\[Result cut: it had 50002 bytes, the limit is 4096\]$/);
    expect(Buffer.byteLength(JSON.stringify(large.call.output))).toBeLessThanOrEqual(RESULT_MAX_BYTES);
  });

  it('times a slow tool out with a clear error, and the turn still answers', async () => {
    const { answer, call, ms } = await turnCalling('calc.slow', {});
    expect(call.success).toBe(false);
    expect(call.output.error).toBe('MCP server "calc" did not answer within 1 s (2 attempts)');
    expect(answer).toContain('did not answer within 1 s');
    expect(ms).toBeLessThan(4_500);
  });
});

describe('a dead server', () => {
  it('opens the breaker after the threshold, fails fast, and closes once the server is back', async () => {
    // A success first: the slow tool's timeouts above counted against the server.
    expect((await turnCalling('calc.add', { a: 0, b: 0 })).call.success).toBe(true);
    // Two failures in a row (one per call: retries exhausted) open the circuit.
    await mcp.stop();
    try {
      for (let index = 0; index < 2; index++) {
        const { call } = await turnCalling('calc.add', { a: 1, b: 2 });
        expect(call.success).toBe(false);
        expect(call.output.error).toMatch(
          /^MCP server "calc" is unreachable \(2 attempts\): the connection failed/,
        );
      }
      const paused = await turnCalling('calc.add', { a: 1, b: 2 });
      expect(paused.call.output.error).toMatch(
        /^Calls to MCP server "calc" are paused for 1 s after repeated failures/,
      );
      expect(paused.answer).toContain('are paused');
    } finally {
      await mcp.start();
    }
    // Still open until the recovery time passes; then a trial call reconnects and closes it.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const recovered = await turnCalling('calc.add', { a: 20, b: 22 });
    expect(recovered.call).toMatchObject({ success: true, output: { sum: 42 } });
    const again = await turnCalling('calc.add', { a: 1, b: 1 });
    expect(again.call).toMatchObject({ success: true, output: { sum: 2 } });
  });

  it('offers no tool of a disabled server', async () => {
    const disabled = await app.http.get('/api/v1/mcp-servers', as());
    const calc = disabled.body.find((server: { name: string }) => server.name === 'calc');
    expect((await app.http.patch(`/api/v1/mcp-servers/${calc.id}`, { enabled: false }, as())).status).toBe(
      200,
    );
    try {
      const response = await app.http.post(`/api/v1/agents/${agentId}/execute`, { message: 'hello' }, as());
      expect(response.status).toBe(200);
      const offered = chatOf(stub.requests.find((request) => chatOf(request)?.tools))?.tools ?? [];
      expect(offered.map((tool) => bare(tool.function.name))).not.toContain('calcadd');
    } finally {
      await app.http.patch(`/api/v1/mcp-servers/${calc.id}`, { enabled: true }, as());
    }
  });
});

describe('callTool on its own', () => {
  /** The caller as the tools module gets it, on the app's database, with this process's breakers. */
  function standaloneCaller() {
    const pool = createMcpClientPool({
      db: app.database.db,
      secretBox: createSecretBox(parseSecretKey(TEST_SECRET_KEY)),
      connect: createMcpConnector({
        fetch: createOutboundGuard({ allowlist: ['127.0.0.1'] }).fetch,
        allowedCommands: [],
        clientInfo: { name: 'agentry-test', version: '0' },
      }),
    });
    const services = createServiceCalls({
      breakerFor: (service, settings, countsAsFailure) =>
        createCircuitBreaker(service.name, { ...settings, countsAsFailure }),
    });
    const defaults = {
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      callTimeoutMs: 2_000,
      breaker: { failureThreshold: 5, recoveryTimeoutMs: 1_000 },
    };
    return { pool, callTool: createMcpToolCaller({ pool, services, defaults, resultMaxBytes: 1_024 }) };
  }
  const principalOf = (account: TestAccount) => ({
    organizationId: account.organizationId,
    role: 'agent_user' as const,
    userId: account.userId,
    apiKeyId: null,
  });

  it('calls only servers of the caller’s organization, and refuses a disabled one', async () => {
    const { pool, callTool } = standaloneCaller();
    const servers = await app.http.get('/api/v1/mcp-servers', as());
    const calc = servers.body.find((server: { name: string }) => server.name === 'calc');
    const target = { serverId: calc.id as string, toolName: 'add' };
    const signal = new AbortController().signal;
    try {
      expect(await callTool(principalOf(owner), target, { a: 4, b: 5 }, signal)).toEqual({ sum: 9 });

      const stranger = await registerAccount(app.http, 'Not the owner');
      const calls = mcp.calls.length;
      await expect(callTool(principalOf(stranger), target, { a: 1, b: 1 }, signal)).rejects.toThrow(
        'The MCP server of this tool no longer exists',
      );
      expect(mcp.calls.length).toBe(calls);

      await app.http.patch(`/api/v1/mcp-servers/${calc.id}`, { enabled: false }, as());
      pool.forget(calc.id);
      await expect(callTool(principalOf(owner), target, { a: 1, b: 1 }, signal)).rejects.toThrow(
        'MCP server "calc" is disabled',
      );
    } finally {
      await app.http.patch(`/api/v1/mcp-servers/${calc.id}`, { enabled: true }, as());
      await pool.close();
    }
  });
});
