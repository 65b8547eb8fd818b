import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { echoScript, type RecordedRequest } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Shared contexts in turns (docs/contexts.md): agents write them with write_context and read them
 * with read_context (tool calls scripted through an OpenAI-compatible stub), the shared-contexts
 * source puts them in the instructions of the agents they are shared with, and a read-only share
 * is a tool error the model sees, never a failed turn. The multi-agent handover: A writes, shares
 * with B, and B's next turn has the data.
 */
const KEY = 'sk-contexts-stub-0123456789';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;

const as = () => ({ token: owner.token });

async function createAgent(name: string, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    {
      name,
      model: 'gpt-stub',
      tools: ['read_context', 'write_context'],
      show_suggestions_after_each_message: false,
      ...body,
    },
    as(),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

interface ChatRequest {
  messages: { role: string; content: string }[];
  tools?: { function: { name: string } }[];
}
const chatOf = (request: RecordedRequest | undefined) => request?.body as ChatRequest;
/** The chat completions of turns: other modules' background calls (memory) use the stub too. */
const turnRequests = () =>
  stub.requests.filter((request) => request.path === '/v1/chat/completions' && chatOf(request).tools);

/**
 * The stub's model, by what it is asked rather than in queue order (background model calls of
 * other modules must not take a turn's answer): a turn whose user message is "use <tool> #<n>"
 * calls the tool with the n-th input, then answers "Done." once it has the result; anything else
 * is echoed.
 */
const toolInputs: Record<string, unknown>[] = [];
function scriptedModel(request: RecordedRequest) {
  const { messages = [], tools } = chatOf(request) ?? {};
  const last = messages.at(-1);
  if (last?.role === 'tool') return { type: 'text' as const, text: 'Done.' };
  const asked = tools && last?.role === 'user' ? /^use (\w+) #(\d+)$/.exec(last.content) : null;
  if (!asked) return echoScript(request);
  const [, name = '', index = ''] = asked;
  return {
    type: 'tool-calls' as const,
    toolCalls: [{ id: 'call_1', name, arguments: toolInputs[Number(index)] ?? {} }],
  };
}

/** One turn whose model calls `tool` with `input`, then answers. */
async function turnCalling(agentId: string, tool: string, input: Record<string, unknown>) {
  toolInputs.push(input);
  const message = `use ${tool} #${toolInputs.length - 1}`;
  const response = await app.http.post(`/api/v1/agents/${agentId}/execute`, { message }, as());
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  expect(response.body.content).toBe('Done.');
  const [call] = response.body.tool_calls;
  return { runId: response.body.run_id as string, call };
}

/** The contexts a system prompt carries, by name: their version and data. */
function injected(systemPrompt: string) {
  const found = new Map<string, { version: number; data: unknown }>();
  for (const match of systemPrompt.matchAll(/^Shared context "([^"]+)" \(version (\d+)\): (.*)$/gm)) {
    const [, name = '', version = '', json = ''] = match;
    found.set(name, { version: Number(version), data: json.endsWith('}') ? JSON.parse(json) : json });
  }
  return found;
}

const ownReferences = (references: { source: string }[]) =>
  references.filter((reference) => reference.source === 'shared_contexts');

const preview = async (agentId: string) =>
  (await app.http.post(`/api/v1/agents/${agentId}/preview-context`, { message: 'What is the plan?' }, as()))
    .body;

const contextsOf = async (agentId: string) =>
  (await app.http.get(`/api/v1/agents/${agentId}/contexts`, as())).body as {
    id: string;
    name: string;
    access: string;
    current_version: number;
  }[];

const share = (contextId: string, agentId: string, access: string) =>
  app.http.put(`/api/v1/contexts/${contextId}/shares/${agentId}`, { access }, as());

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Handover owner');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(),
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
});
afterAll(async () => {
  await app.close();
  await stub.close();
});
beforeEach(() => {
  stub.reset();
  stub.setScript(scriptedModel);
});

describe('the multi-agent handover', () => {
  it('A writes a context with its tool, shares it with B, and B’s next turn sees it', async () => {
    const writer = await createAgent('Intake agent');
    const follower = await createAgent('Billing agent');
    const handover = { customer: 'Acme Corp', open_ticket: 'INV-7', next_step: 'confirm the refund' };

    const written = await turnCalling(writer, 'write_context', {
      name: 'handover',
      data: handover,
      change_description: 'Intake done',
    });
    expect(written.call).toMatchObject({
      name: 'write_context',
      output: { name: 'handover', version: 1, created: true },
      success: true,
    });
    const [context] = await contextsOf(writer);
    expect(context).toMatchObject({ name: 'handover', access: 'owner', current_version: 1 });
    const [version] = (await app.http.get(`/api/v1/contexts/${context?.id}/versions`, as())).body;
    expect(version).toMatchObject({
      version: 1,
      change_type: 'created',
      change_description: 'Intake done',
      created_by: { user_id: null, api_key_id: null, agent_id: writer, run_id: written.runId },
    });

    // Not shared yet: B's context has none of it.
    expect((await preview(follower)).system_prompt).not.toContain('INV-7');
    expect((await share(context?.id as string, follower, 'read')).status).toBe(200);

    const seen = await preview(follower);
    // jsonb keeps its own key order: compare the data, not its text.
    expect(injected(seen.system_prompt).get('handover')).toEqual({ version: 1, data: handover });
    expect(ownReferences(seen.references)).toEqual([
      { source: 'shared_contexts', context_id: context?.id, name: 'handover', version: 1 },
    ]);
    expect(seen.sections).toContainEqual({
      source: 'shared_contexts',
      tokens: expect.any(Number),
      included: true,
    });

    // B's real turn: the model receives the context, and the run records the version it saw.
    const turn = await app.http.post(`/api/v1/agents/${follower}/execute`, { message: 'What now?' }, as());
    expect(turn.status).toBe(200);
    const [system] = chatOf(turnRequests().at(-1)).messages;
    expect(system?.role).toBe('system');
    expect(injected(system?.content ?? '').get('handover')).toEqual({ version: 1, data: handover });
    const run = (await app.http.get(`/api/v1/runs/${turn.body.run_id}`, as())).body;
    const retrieval = run.actions.find(
      (action: { action_type: string }) => action.action_type === 'context_retrieval',
    );
    expect(ownReferences(retrieval.result_data.references)).toEqual(ownReferences(seen.references));
  });
});

describe('read_context and write_context', () => {
  it('reads a shared context, refuses a read-only write as a tool error, and writes once read_write', async () => {
    const ownerAgent = await createAgent('Planner');
    const reader = await createAgent('Reviewer');
    const created = await app.http.post(
      `/api/v1/agents/${ownerAgent}/contexts`,
      { name: 'plan', data: { steps: ['draft'] } },
      as(),
    );
    expect((await share(created.body.id, reader, 'read')).status).toBe(200);

    const read = await turnCalling(reader, 'read_context', { name: 'plan' });
    expect(read.call).toMatchObject({
      success: true,
      output: {
        name: 'plan',
        version: 1,
        access: 'read',
        owner_agent_id: ownerAgent,
        data: { steps: ['draft'] },
      },
    });

    const refused = await turnCalling(reader, 'write_context', { name: 'plan', data: { steps: [] } });
    expect(refused.call).toEqual({
      id: 'call_1',
      name: 'write_context',
      input: { name: 'plan', data: { steps: [] } },
      output: { error: 'The context "plan" is shared with this agent read-only: it cannot write it' },
      success: false,
      duration_ms: expect.any(Number),
      origin: { kind: 'builtin' },
    });
    // The model was told, and nothing was written.
    const toolMessage = chatOf(turnRequests().at(-1)).messages.at(-1);
    expect(toolMessage?.role).toBe('tool');
    expect(toolMessage?.content).toContain('read-only');
    expect((await app.http.get(`/api/v1/contexts/${created.body.id}`, as())).body.current_version).toBe(1);

    expect((await share(created.body.id, reader, 'read_write')).status).toBe(200);
    const allowed = await turnCalling(reader, 'write_context', {
      name: 'plan',
      data: { steps: ['draft', 'review'] },
    });
    expect(allowed.call).toMatchObject({
      success: true,
      output: { name: 'plan', version: 2, created: false },
    });
    const [latest] = (
      await app.http.get(`/api/v1/contexts/${created.body.id}/versions?include_data=true`, as())
    ).body;
    expect(latest).toMatchObject({
      version: 2,
      change_type: 'write',
      data: { steps: ['draft', 'review'] },
      created_by: { user_id: null, api_key_id: null, agent_id: reader, run_id: allowed.runId },
    });
    // Its own contexts are untouched: the write went to the shared one.
    expect((await contextsOf(reader)).map((context) => context.access)).toEqual(['read_write']);
  });

  it('answers a context it cannot read, and input it got wrong, as tool errors', async () => {
    const outsider = await createAgent('Outsider');
    const owned = await createAgent('Owner of secrets');
    await app.http.post(`/api/v1/agents/${owned}/contexts`, { name: 'secrets', data: { pin: 1234 } }, as());

    const unknown = await turnCalling(outsider, 'read_context', { name: 'secrets' });
    expect(unknown.call).toMatchObject({
      success: false,
      output: { error: 'You have no context named "secrets", and none of that name is shared with you' },
    });
    const notAnObject = await turnCalling(outsider, 'write_context', { name: 'notes', data: 'plain text' });
    expect(notAnObject.call.success).toBe(false);
    expect(notAnObject.call.output.error).toMatch(/^Invalid input: data/);
    const tooLarge = await turnCalling(outsider, 'write_context', {
      name: 'notes',
      data: { text: 'x'.repeat(257 * 1024) },
    });
    expect(tooLarge.call.success).toBe(false);
    expect(tooLarge.call.output.error).toContain('at most 262144 (256 KB)');
    // A NUL the model put in a tool's input cannot be stored as it is: the turn still completes,
    // and its actions keep the input with U+FFFD in the NUL's place.
    const withNul = await turnCalling(outsider, 'write_context', {
      name: 'notes',
      data: { text: 'a\u0000b' },
    });
    expect(withNul.call.success).toBe(false);
    const actions = await app.http.get(`/api/v1/runs/${withNul.runId}`, as());
    expect(JSON.stringify(actions.body)).toContain('a\uFFFDb');
    expect(await contextsOf(outsider)).toEqual([]);
  });

  it('writes the agent’s own context again as a new version', async () => {
    const agentId = await createAgent('Diarist');
    const first = await turnCalling(agentId, 'write_context', { name: 'diary', data: { day: 1 } });
    expect(first.call.output).toEqual({ name: 'diary', version: 1, created: true });
    const second = await turnCalling(agentId, 'write_context', { name: 'diary', data: { day: 2 } });
    expect(second.call.output).toEqual({ name: 'diary', version: 2, created: false });
    expect((await preview(agentId)).system_prompt).toContain('Shared context "diary" (version 2): {"day":2}');
  });
});

describe('the shared-contexts source', () => {
  it('gives the most recently written contexts way first when the budget is tight', async () => {
    const agentId = await createAgent('Crowded', { max_context_size: 2_000 });
    const bulky = { text: 'y'.repeat(3_000) };
    const older = await app.http.post(
      `/api/v1/agents/${agentId}/contexts`,
      { name: 'older', data: bulky },
      as(),
    );
    await app.http.post(`/api/v1/agents/${agentId}/contexts`, { name: 'newer', data: bulky }, as());
    const seen = await preview(agentId);
    expect(injected(seen.system_prompt).size).toBe(0);
    expect(ownReferences(seen.dropped)).toHaveLength(2);

    // Small enough for its share (a quarter of max_context_size): kept.
    await app.http.put(`/api/v1/contexts/${older.body.id}`, { data: { text: 'short' } }, as());
    const after = await preview(agentId);
    expect(after.system_prompt).toContain('Shared context "older" (version 2): {"text":"short"}');
    expect(ownReferences(after.references).map((reference) => (reference as { name?: string }).name)).toEqual(
      ['older'],
    );
  });

  it('cuts a large context in the instructions, while read_context returns it whole', async () => {
    const agentId = await createAgent('Archivist', { max_context_size: 100_000 });
    const long = { text: 'z'.repeat(20_000) };
    await app.http.post(`/api/v1/agents/${agentId}/contexts`, { name: 'archive', data: long }, as());
    const seen = await preview(agentId);
    expect(seen.system_prompt).toContain('… [cut at 8000 characters: read_context returns it whole]');
    const read = await turnCalling(agentId, 'read_context', { name: 'archive' });
    expect(read.call.output.data).toEqual(long);
  });
});
