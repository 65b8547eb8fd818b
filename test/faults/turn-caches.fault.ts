import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { expectError } from '../support/assertions.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * Turns read agents and provider connections from a process cache. Two `agentry serve` processes
 * on one PostgreSQL: a change made through one is seen by the next turn of the other (its event
 * reaches every process), and at once by the process that made it.
 */
const KEY = 'sk-cache-0123456789';
let stub: OpenAiStub;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  environment = await serverEnvironment();
});
afterEach(killServerProcesses);
afterAll(async () => {
  await stub.close();
  await environment.dispose();
});

describe.runIf(testDatabaseKind === 'postgres')('turn caches across processes (PostgreSQL)', () => {
  it('sees a changed agent and a changed provider in the next turn of every process', {
    timeout: 60_000,
  }, async () => {
    const env = environment.env;
    const [first, second] = await Promise.all([
      startServerProcess(env),
      startServerProcess(env, ['--no-worker']),
    ]);
    const one = createHttpClient(first.url);
    const two = createHttpClient(second.url);
    const owner = await registerAccount(one);
    const as = { token: owner.token };
    const systemPromptOn = async (http: typeof one, agentId: string) =>
      (await http.post(`/api/v1/agents/${agentId}/preview-context`, { message: 'hi' }, as)).body
        .system_prompt as string;

    const agent = await one.post('/api/v1/agents', { name: 'Cached', prompt: 'You sell apples.' }, as);
    const agentId = agent.body.id as string;
    // The second process caches the agent with its first turn.
    expect(await systemPromptOn(two, agentId)).toContain('You sell apples.');
    expect((await two.post(`/api/v1/agents/${agentId}/execute`, { message: 'hi' }, as)).status).toBe(200);

    expect((await one.patch(`/api/v1/agents/${agentId}`, { prompt: 'You sell pears.' }, as)).status).toBe(
      200,
    );
    // The process that made the change sees it at once; the other as soon as its event arrives.
    expect(await systemPromptOn(one, agentId)).toContain('You sell pears.');
    await expect
      .poll(() => systemPromptOn(two, agentId), { timeout: 2_000, interval: 20 })
      .toContain('You sell pears.');
    expect((await two.post(`/api/v1/agents/${agentId}/execute`, { message: 'hi' }, as)).status).toBe(200);

    // Providers: the organization's default answers the agent's turns in both processes...
    const provider = await one.post(
      '/api/v1/providers',
      { name: 'Stub', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      as,
    );
    expect(provider.status).toBe(201);
    await one.patch(`/api/v1/agents/${agentId}`, { model: 'gpt-stub' }, as);
    await expect
      .poll(
        async () =>
          (await two.post(`/api/v1/agents/${agentId}/execute`, { message: 'which model?' }, as)).body.metadata
            ?.model,
        {
          timeout: 2_000,
          interval: 20,
        },
      )
      .toBe('gpt-stub');
    // ...until it is deactivated through the first process: the second refuses the next turn.
    expect((await one.patch(`/api/v1/providers/${provider.body.id}`, { is_active: false }, as)).status).toBe(
      200,
    );
    await expect
      .poll(
        async () => (await two.post(`/api/v1/agents/${agentId}/execute`, { message: 'still?' }, as)).status,
        {
          timeout: 2_000,
          interval: 20,
        },
      )
      .toBe(400);
    expectError(
      await two.post(`/api/v1/agents/${agentId}/execute`, { message: 'still?' }, as),
      400,
      'provider_inactive',
    );

    await Promise.all([first.stop(), second.stop()]);
  });
});
