import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStub, startAnthropicStub } from './stubs/anthropic-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { waitUntilConnected } from './support/provider-validation.ts';
import { postForEvents } from './support/sse-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/** A turn through the Anthropic Messages API (the real protocol, served by the stub). */
const KEY = 'sk-ant-stub-0123456789';
let stub: AnthropicStub;
let app: TestApp;
let owner: TestAccount;
let agentId: string;

beforeAll(async () => {
  stub = await startAnthropicStub({ apiKey: KEY, models: ['claude-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http);
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Anthropic stub', type: 'anthropic', base_url: stub.v1Url, api_key: KEY },
    { token: owner.token },
  );
  expect(provider.status, JSON.stringify(provider.body)).toBe(201);
  await waitUntilConnected(app.http, provider.body.id, { token: owner.token });
  const agent = await app.http.post(
    '/api/v1/agents',
    {
      name: 'Claude-backed',
      provider_id: provider.body.id,
      model: 'claude-stub',
      prompt: 'You answer questions about Lyon.',
      show_suggestions_after_each_message: false,
    },
    { token: owner.token },
  );
  agentId = agent.body.id;
});
afterAll(async () => {
  await app.close();
  await stub.close();
});

const messageRequests = () => stub.requests.filter((request) => request.path === '/v1/messages');

describe('execution through an Anthropic provider', () => {
  it('sends the agent’s instructions as the system prompt with the key, and records usage', async () => {
    stub.enqueue({ type: 'text', text: 'Lyon is in France.', usage: { inputTokens: 21, outputTokens: 5 } });
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Where is Lyon?', stream: false },
      { token: owner.token },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.content).toBe('Lyon is in France.');
    expect(response.body.metadata).toMatchObject({ model: 'claude-stub', provider: { type: 'anthropic' } });
    expect(response.body.metadata.usage).toMatchObject({ input_tokens: 21, output_tokens: 5 });
    const sent = messageRequests().at(-1);
    expect(sent?.headers['x-api-key']).toBe(KEY);
    expect(JSON.stringify((sent?.body as { system?: unknown }).system)).toContain(
      'You answer questions about Lyon.',
    );
    expect((sent?.body as { messages: { role: string }[] }).messages.at(-1)?.role).toBe('user');
  });

  it('streams an Anthropic answer as text deltas between run-started and run-completed', async () => {
    stub.enqueue({ type: 'text', text: 'Lyon sits where the Rhône meets the Saône.' });
    const { events } = await postForEvents(
      `${app.url}/api/v1/agents/${agentId}/execute/stream`,
      { message: 'Which rivers?' },
      { token: owner.token },
    );
    const types = events.map((event) => event.event);
    expect(types[0]).toBe('run-started');
    expect(types.at(-1)).toBe('run-completed');
    const text = events
      .filter((event) => event.event === 'text-delta')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    expect(text).toBe('Lyon sits where the Rhône meets the Saône.');
  });
});
