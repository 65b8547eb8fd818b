import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Agentry as an MCP server (docs/mcp-endpoint.md), driven by the MCP SDK's own client over real
 * HTTP: the caller's agents and assigned task definitions as tools, turns with trigger `mcp`,
 * sessions continued, and what another organization, a read-only key or a bad key gets.
 */
const STUB_KEY = 'sk-mcp-endpoint-0123456789';
const classifySchema = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'confidence'],
  additionalProperties: false,
};

const EXECUTION_PER_MINUTE = 4999;

let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let stranger: TestAccount;
let ownerKey: string;
let readonlyKey: string;
let projectKey: string;
let strangerKey: string;
const ids: Record<string, string> = {};
const clients: Client[] = [];

const as = (account: TestAccount) => ({ token: account.token });

async function created(path: string, body: unknown, account = owner) {
  const response = await app.http.post(path, body, as(account));
  expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(201);
  return response.body;
}

async function connect(credential: string): Promise<Client> {
  const client = new Client({ name: 'agentry-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${credential}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const toolNames = async (client: Client) => (await client.listTools()).tools.map((tool) => tool.name).sort();
const textOf = (result: CallToolResult) =>
  result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const runsOf = async (agentId: string) =>
  (await app.http.get(`/api/v1/runs?agent_id=${agentId}`, as(owner))).body as {
    id: string;
    status: string;
  }[];

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: STUB_KEY, models: ['gpt-stub'] });
  // Rate limits on, far above what the test sends, to see which budget /mcp counts against.
  app = await startTestApp({
    OUTBOUND_ALLOWLIST: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_READS_PER_MINUTE: 'free=5000,pro=5000,enterprise=5000',
    RATE_LIMIT_WRITES_PER_MINUTE: 'free=5000,pro=5000,enterprise=5000',
    RATE_LIMIT_EXECUTION_PER_MINUTE: `free=${EXECUTION_PER_MINUTE},pro=5000,enterprise=5000`,
  });
  owner = await registerAccount(app.http, 'MCP owner');
  stranger = await registerAccount(app.http, 'MCP stranger');
  const offline = await created('/api/v1/providers', { name: 'Offline', type: 'offline' });
  const stubProvider = await created('/api/v1/providers', {
    name: 'Stub',
    type: 'openai_compatible',
    base_url: stub.url,
    api_key: STUB_KEY,
    is_default: false,
  });
  const agent = (body: Record<string, unknown>, account = owner) =>
    created('/api/v1/agents', { provider_id: offline.id, ...body }, account);
  ids.support = (await agent({ name: 'Support Agent', description: 'Answers billing questions' })).id;
  // A namesake once slugged: its tool gets a suffix from its id, the older one keeps the plain name.
  ids.namesake = (await agent({ name: 'support agent!' })).id;
  ids.other = (await agent({ name: 'Sales Desk', show_suggestions_after_each_message: false })).id;
  ids.inactive = (await agent({ name: 'Retired Agent', status: 'inactive' })).id;
  ids.flaky = (
    await agent({
      name: 'Flaky Agent',
      provider_id: stubProvider.id,
      model: 'gpt-stub',
      show_suggestions_after_each_message: false,
    })
  ).id;
  const definition = await created('/api/v1/task-definitions', {
    name: 'Classify Message',
    description: 'Categorize an incoming message',
    instructions: 'Classify the support message.',
    response_schema: classifySchema,
  });
  ids.assignment = (
    await created(`/api/v1/agents/${ids.support}/assignments`, { task_definition_id: definition.id })
  ).id;
  const project = await created('/api/v1/projects', { name: 'MCP project' });
  ids.projectAgent = (await agent({ name: 'Project Agent', project_id: project.id })).id;

  ownerKey = (await created('/api/v1/api-keys', { name: 'MCP client', role: 'agent_user' })).key;
  readonlyKey = (await created('/api/v1/api-keys', { name: 'MCP reader', role: 'readonly' })).key;
  projectKey = (await created('/api/v1/api-keys', { name: 'MCP project', project_id: project.id })).key;
  const strangerOffline = await created('/api/v1/providers', { name: 'Offline', type: 'offline' }, stranger);
  ids.strangerAgent = (
    await created('/api/v1/agents', { name: 'Support Agent', provider_id: strangerOffline.id }, stranger)
  ).id;
  strangerKey = (await created('/api/v1/api-keys', { name: 'Stranger client' }, stranger)).key;
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await app?.close();
  await stub?.close();
});

describe('tools/list', () => {
  it('lists each active agent as ask_<agent> and each assigned task definition as run_<task>_<agent>', async () => {
    const client = await connect(ownerKey);
    expect(client.getServerVersion()).toMatchObject({ name: 'agentry' });
    const { tools } = await client.listTools();
    const suffix = ids.namesake?.replaceAll('-', '').slice(-8);
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'ask_flaky_agent',
        'ask_project_agent',
        'ask_sales_desk',
        'ask_support_agent',
        `ask_support_agent_${suffix}`,
        'run_classify_message_support_agent',
      ].sort(),
    );
    const support = tools.find((tool) => tool.name === 'ask_support_agent');
    expect(support).toMatchObject({
      title: 'Support Agent',
      inputSchema: { type: 'object', required: ['message'], additionalProperties: false },
      outputSchema: { type: 'object', required: ['answer', 'session_id', 'run_id'] },
    });
    expect(support?.description).toContain('Answers billing questions. Pass the session_id');
    expect(support?.inputSchema.properties).toHaveProperty('session_id');
    const task = tools.find((tool) => tool.name === 'run_classify_message_support_agent');
    expect(task).toMatchObject({
      title: 'Classify Message (Support Agent)',
      inputSchema: { type: 'object', required: ['input'] },
      outputSchema: classifySchema,
    });
    expect(task?.description).toContain('Categorize an incoming message');
  });

  it('shows another organization none of our agents, and a project-scoped key only its project’s', async () => {
    expect(await toolNames(await connect(strangerKey))).toEqual(['ask_support_agent']);
    expect(await toolNames(await connect(projectKey))).toEqual(['ask_project_agent']);
  });
});

describe('tools/call', () => {
  it('asks an agent: a turn with trigger mcp in a new session, then continues that session', async () => {
    const client = await connect(ownerKey);
    const first = (await client.callTool({
      name: 'ask_support_agent',
      arguments: { message: 'How do refunds work?' },
    })) as CallToolResult;
    expect(first.isError).toBeFalsy();
    const answer = first.structuredContent as { answer: string; session_id: string; run_id: string };
    expect(answer.answer).toContain('offline');
    expect(textOf(first)).toBe(answer.answer);
    const run = await app.http.get(`/api/v1/runs/${answer.run_id}`, as(owner));
    expect(run.body).toMatchObject({
      agent_id: ids.support,
      trigger: 'mcp',
      status: 'completed',
      session_id: answer.session_id,
    });
    const mcpRuns = await app.http.get('/api/v1/runs?trigger=mcp', as(owner));
    expect(mcpRuns.body.map((listed: { id: string }) => listed.id)).toContain(answer.run_id);

    const second = (await client.callTool({
      name: 'ask_support_agent',
      arguments: { message: 'And for annual plans?', session_id: answer.session_id },
    })) as CallToolResult;
    expect(second.structuredContent).toMatchObject({ session_id: answer.session_id });
    const session = await app.http.get(`/api/v1/sessions/${answer.session_id}`, as(owner));
    expect(session.body).toMatchObject({ agent_id: ids.support, message_count: 4 });
  });

  it('reports progress while the turn runs when the client asks for it', async () => {
    const client = await connect(ownerKey);
    const progress: string[] = [];
    const result = (await client.callTool(
      { name: 'ask_sales_desk', arguments: { message: 'Hello' } },
      undefined,
      { onprogress: (notification) => progress.push(notification.message ?? '') },
    )) as CallToolResult;
    expect(result.isError).toBeFalsy();
    const { run_id } = result.structuredContent as { run_id: string };
    expect(progress[0]).toBe(`Run ${run_id} started`);
  });

  it('runs an assigned task definition: its structured output is valid against the response schema', async () => {
    const client = await connect(ownerKey);
    const result = (await client.callTool({
      name: 'run_classify_message_support_agent',
      arguments: { input: 'The app crashes when I log in' },
    })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(validateAgainstSchema(classifySchema, result.structuredContent)).toEqual({ valid: true });
    expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
    const runId = result._meta?.['agentry/run_id'] as string;
    const run = await app.http.get(`/api/v1/runs/${runId}`, as(owner));
    expect(run.body).toMatchObject({ agent_id: ids.support, trigger: 'mcp', status: 'completed' });
  });

  it('answers a turn that fails, bad arguments and another agent’s session as tool errors', async () => {
    const client = await connect(ownerKey);
    stub.failNext(1, 400);
    const failed = (await client.callTool({
      name: 'ask_flaky_agent',
      arguments: { message: 'Hello?' },
    })) as CallToolResult;
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toBeUndefined();
    const [failedRun] = await runsOf(ids.flaky as string);
    expect(failedRun).toMatchObject({ trigger: 'mcp', status: 'failed' });

    const invalid = (await client.callTool({
      name: 'ask_sales_desk',
      arguments: { message: '', session_id: 'not-a-uuid' },
    })) as CallToolResult;
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/validation_error: Invalid arguments:.*message.*session_id/s);

    const other = (await client.callTool({
      name: 'ask_sales_desk',
      arguments: { message: 'Hi' },
    })) as CallToolResult;
    const { session_id } = other.structuredContent as { session_id: string };
    const runsBefore = (await runsOf(ids.support as string)).length;
    const crossed = (await client.callTool({
      name: 'ask_support_agent',
      arguments: { message: 'Hijack', session_id },
    })) as CallToolResult;
    expect(crossed.isError).toBe(true);
    expect(await runsOf(ids.support as string)).toHaveLength(runsBefore);
  });

  it('cancels the turn when the client goes away', async () => {
    const client = await connect(ownerKey);
    const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');
    const before = completions().length;
    stub.enqueue({ type: 'hang' });
    const call = client.callTool({ name: 'ask_flaky_agent', arguments: { message: 'Take your time' } });
    await until(async () => completions().length > before);
    await client.close();
    await expect(call).rejects.toThrow();
    await until(async () => (await runsOf(ids.flaky as string))[0]?.status === 'cancelled');
    await until(async () => stub.abortedRequests > 0);
  });

  it('lets a read-only key list the tools but not call them', async () => {
    const client = await connect(readonlyKey);
    expect(await toolNames(client)).toContain('ask_support_agent');
    const runsBefore = (await runsOf(ids.support as string)).length;
    const refused = (await client.callTool({
      name: 'ask_support_agent',
      arguments: { message: 'Hello' },
    })) as CallToolResult;
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('authorization_error');
    expect(await runsOf(ids.support as string)).toHaveLength(runsBefore);
  });

  it('knows no tool of another organization: calling one is an unknown tool, and nothing runs', async () => {
    const client = await connect(strangerKey);
    const runsBefore = (await runsOf(ids.support as string)).length;
    for (const name of [
      'run_classify_message_support_agent',
      `ask_support_agent_${ids.namesake?.slice(-8)}`,
    ]) {
      await expect(
        client.callTool({ name, arguments: { message: 'Hijack', input: 'Hijack' } }),
      ).rejects.toSatisfy((error) => error instanceof McpError && error.code === ErrorCode.InvalidParams);
    }
    // The stranger's own namesake answers: the name is resolved in the caller's organization.
    const own = (await client.callTool({
      name: 'ask_support_agent',
      arguments: { message: 'Hello' },
    })) as CallToolResult;
    const { run_id } = own.structuredContent as { run_id: string };
    const run = await app.http.get(`/api/v1/runs/${run_id}`, as(stranger));
    expect(run.body.agent_id).toBe(ids.strangerAgent);
    expect(await runsOf(ids.support as string)).toHaveLength(runsBefore);
  });
});

/** Agentry's error body, whose correlation id is the X-Request-ID header. */
async function expectErrorBody(answer: Promise<Response>, status: number, code: string) {
  const response = await answer;
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(body).toMatchObject({
    error: true,
    code,
    correlation_id: response.headers.get('x-request-id'),
    path: '/mcp',
  });
}

describe('HTTP', () => {
  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${app.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const listRequest = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };
  const mcpAccept = { accept: 'application/json, text/event-stream' };

  it('answers a JSON-RPC request as an event stream, counted against the execution rate limit', async () => {
    const response = await post(listRequest, { authorization: `Bearer ${ownerKey}`, ...mcpAccept });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('ratelimit-limit')).toBe(String(EXECUTION_PER_MINUTE));
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const data = (await response.text()).split('\n').find((line) => line.startsWith('data: '));
    const message = JSON.parse(data?.slice('data: '.length) ?? '{}');
    expect(message).toMatchObject({ jsonrpc: '2.0', id: 1, result: { tools: expect.any(Array) } });
    expect(message.result.tools.map((tool: { name: string }) => tool.name)).toContain('ask_support_agent');
  });

  it('refuses a bad or missing credential with 401, WWW-Authenticate and the error body', async () => {
    await expect(connect('agk_not-a-real-key')).rejects.toSatisfy(
      (error: { code?: number }) => error.code === 401,
    );
    for (const headers of [{ authorization: 'Bearer agk_not-a-real-key' }, {} as Record<string, string>]) {
      const response = post(listRequest, { ...mcpAccept, ...headers });
      expect((await response).headers.get('www-authenticate')).toMatch(/^Bearer realm="agentry"/);
      await expectErrorBody(response, 401, headers.authorization ? 'invalid_token' : 'authentication_error');
    }
  });

  it('answers GET and DELETE with 405, a client that does not accept event streams with 406, and a malformed message with 422', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${app.url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${ownerKey}`, ...mcpAccept },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
    const auth = { authorization: `Bearer ${ownerKey}` };
    await expectErrorBody(post(listRequest, { ...auth, accept: 'application/json' }), 406, 'not_acceptable');
    await expectErrorBody(
      post({ jsonrpc: '1.0', method: 42 }, { ...auth, ...mcpAccept }),
      422,
      'validation_error',
    );
  });

  it('is documented in the OpenAPI document', async () => {
    const document = (await app.http.get('/openapi.json')).body;
    expect(document.paths['/mcp']).toEqual({
      post: expect.objectContaining({ operationId: 'postMcpMessage', security: [{ bearerAuth: [] }] }),
    });
  });

  it('is not served when MCP_ENDPOINT_ENABLED is false', async () => {
    const disabled = await startTestApp({ MCP_ENDPOINT_ENABLED: 'false' });
    try {
      const response = await fetch(`${disabled.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...mcpAccept },
        body: JSON.stringify(listRequest),
      });
      expect(response.status).toBe(404);
      expect((await disabled.http.get('/openapi.json')).body.paths['/mcp']).toBeUndefined();
    } finally {
      await disabled.close();
    }
  });
});
