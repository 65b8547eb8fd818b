import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Structured output: a turn that carries a JSON Schema answers with a JSON object valid against
 * it, validated with ajv, with one repair attempt, from the offline model and from a provider.
 */
const KEY = 'sk-structured-0123456789';
const classification = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'technical', 'other'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    summary: { type: 'string', maxLength: 200 },
  },
  required: ['category', 'confidence', 'summary'],
  additionalProperties: false,
};

let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let offlineOwner: TestAccount;
let stubAgent: string;
let offlineAgent: string;

const as = (account: TestAccount) => ({ token: account.token });
const completions = () => stub.requests.filter((request) => request.path === '/v1/chat/completions');

async function createAgent(account: TestAccount, body: Record<string, unknown>) {
  const response = await app.http.post('/api/v1/agents', { name: 'Classifier', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Structured');
  offlineOwner = await registerAccount(app.http, 'Offline structured');
  const provider = await app.http.post(
    '/api/v1/providers',
    { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(owner),
  );
  expect(provider.status).toBe(201);
  stubAgent = await createAgent(owner, {
    provider_id: provider.body.id,
    model: 'gpt-stub',
    show_suggestions_after_each_message: false,
  });
  offlineAgent = await createAgent(offlineOwner, {
    prompt: 'You sort support messages. Billing questions cover invoices, refunds and payments.',
  });
});
afterAll(async () => {
  await app.close();
  await stub.close();
});
beforeEach(() => stub.reset());

describe('a turn with a response_schema', () => {
  it('answers with a schema-valid object from the offline model, stored as the assistant message', async () => {
    const response = await app.http.post(
      `/api/v1/agents/${offlineAgent}/execute`,
      { message: 'My invoice shows a wrong amount', response_schema: classification },
      as(offlineOwner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.structured_output).toEqual({
      category: 'billing',
      confidence: expect.any(Number),
      summary: expect.any(String),
    });
    expect(JSON.parse(response.body.content)).toEqual(response.body.structured_output);
    const messages = await app.http.get(
      `/api/v1/sessions/${response.body.session_id}/messages`,
      as(offlineOwner),
    );
    expect(messages.body.at(-1).content).toBe(response.body.content);
    const run = await app.http.get(`/api/v1/runs/${response.body.run_id}`, as(offlineOwner));
    expect(run.body.input.response_schema).toEqual(classification);
  });

  it('asks the provider for JSON, with the schema, and takes a valid answer as it is', async () => {
    stub.enqueue({
      type: 'text',
      text: '{"category":"technical","confidence":0.9,"summary":"The app crashes"}',
    });
    const response = await app.http.post(
      `/api/v1/agents/${stubAgent}/execute`,
      { message: 'The app crashes on start', response_schema: classification },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.structured_output).toEqual({
      category: 'technical',
      confidence: 0.9,
      summary: 'The app crashes',
    });
    const [request] = completions();
    const body = request?.body as {
      response_format: { type: string };
      messages: { role: string; content: string }[];
    };
    expect(['json_object', 'json_schema']).toContain(body.response_format.type);
    expect(body.messages[0]?.content).toContain('"enum":["billing","technical","other"]');
  });

  it('repairs an invalid answer once, telling the model what was wrong', async () => {
    stub.enqueue(
      { type: 'text', text: 'Sure! {"category":"shipping","confidence":3}' },
      { type: 'text', text: '```json\n{"category":"other","confidence":0.5,"summary":"Shipping"}\n```' },
    );
    const response = await app.http.post(
      `/api/v1/agents/${stubAgent}/execute`,
      { message: 'Where is my parcel?', response_schema: classification },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.structured_output).toEqual({
      category: 'other',
      confidence: 0.5,
      summary: 'Shipping',
    });
    const repair = completions()[1]?.body as { messages: { role: string; content: string }[] };
    const feedback = repair.messages.at(-1)?.content ?? '';
    expect(feedback).toContain('/category');
    expect(feedback).toContain('/confidence');
    expect(feedback).toContain('summary');
    const run = await app.http.get(`/api/v1/runs/${response.body.run_id}`, as(owner));
    expect(
      run.body.actions.map((action: { action_data: { purpose?: string } }) => action.action_data.purpose),
    ).toEqual([undefined, 'repair', undefined]);
  });

  it('fails with invalid_structured_output when the repair is invalid too, and stores no answer', async () => {
    stub.enqueue({ type: 'text', text: 'no JSON here' }, { type: 'text', text: '{"category":"billing"}' });
    const response = await app.http.post(
      `/api/v1/agents/${stubAgent}/execute`,
      { message: 'Refund please', response_schema: classification },
      as(owner),
    );
    expectError(response, 502, 'invalid_structured_output');
    expect(response.body.details.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('confidence'), expect.stringContaining('summary')]),
    );
    expect(completions()).toHaveLength(2);
  });

  it('refuses a schema that is not valid JSON Schema, or whose root is not an object, with 422', async () => {
    const broken = await app.http.post(
      `/api/v1/agents/${offlineAgent}/execute`,
      { message: 'x', response_schema: { type: 'object', properties: { score: { type: 'numbr' } } } },
      as(offlineOwner),
    );
    expectError(broken, 422, 'validation_error');
    expect(broken.body.validation_errors[0].field).toMatch(/^response_schema\.properties\.score/);
    const notObject = await app.http.post(
      `/api/v1/agents/${offlineAgent}/execute`,
      { message: 'x', response_schema: { type: 'array' } },
      as(offlineOwner),
    );
    expectError(notObject, 422, 'validation_error');
    expect(completions()).toHaveLength(0);
  });
});
