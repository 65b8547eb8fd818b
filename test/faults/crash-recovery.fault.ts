import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAiStub, startOpenAiStub } from '../stubs/openai-stub.ts';
import { registerAccount } from '../support/accounts.ts';
import { createHttpClient } from '../support/http-client.ts';
import { serverEnvironment } from '../support/server-environment.ts';
import { killServerProcesses, startServerProcess } from '../support/server-process.ts';
import { testDatabaseKind } from '../support/test-database.ts';

/**
 * kill -9 of a server in the middle of 50 turns: once any live process has seen the dead one's
 * lease expire (RUN_RECOVERY_SECONDS), no run is left running, no agent busy, and no turn is
 * half-stored (a turn stores its messages with its end, in one statement).
 */
const KEY = 'sk-crash-0123456789';
const RECOVERY_SECONDS = 4;
const TURNS = 50;

let stub: OpenAiStub;
let environment: Awaited<ReturnType<typeof serverEnvironment>>;
let env: Record<string, string>;

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['slow-model'] });
  environment = await serverEnvironment({ RUN_RECOVERY_SECONDS: String(RECOVERY_SECONDS) });
  env = environment.env;
});
afterEach(killServerProcesses);
afterAll(async () => {
  await stub.close();
  await environment.dispose();
});

describe('a server killed mid-turn', () => {
  it('leaves no run running, no agent busy and no turn half-stored after recovery', {
    timeout: 60_000,
  }, async () => {
    const first = await startServerProcess(env);
    const http = createHttpClient(first.url);
    const owner = await registerAccount(http);
    const as = { token: owner.token };
    const provider = await http.post(
      '/api/v1/providers',
      { name: 'Slow', type: 'openai_compatible', base_url: stub.url, api_key: KEY },
      as,
    );
    expect(provider.status).toBe(201);
    const agent = await http.post(
      '/api/v1/agents',
      {
        name: 'Doomed',
        provider_id: provider.body.id,
        model: 'slow-model',
        initial_ai_msg: 'Hello, I am here.',
        show_suggestions_after_each_message: false,
      },
      as,
    );
    expect(agent.status).toBe(201);
    const agentId = agent.body.id as string;
    // A turn the server completes before the crash: it must survive it whole.
    const done = await http.post(`/api/v1/agents/${agentId}/execute`, { message: 'before the crash' }, as);
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    // The model never answers these: the server dies with all of them in flight.
    stub.setScript(() => ({ type: 'hang' }));
    const inFlight = Array.from({ length: TURNS }, (_, index) =>
      fetch(`${first.url}/api/v1/agents/${agentId}/execute`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: `turn ${index}`, user_id: `user-${index}` }),
      }).catch((error: unknown) => error),
    );
    await expect
      .poll(
        async () =>
          (await http.get(`/api/v1/runs?agent_id=${agentId}&status=running&limit=1`, as)).headers.get(
            'x-total-count',
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe(String(TURNS));
    expect((await http.get(`/api/v1/agents/${agentId}`, as)).body.runtime.state).toBe('busy');

    // On PostgreSQL another process is running when the first dies, and ends its runs; the embedded
    // database admits one process, so there the next one starts after the kill and ends them.
    const standby = testDatabaseKind === 'postgres' ? await startServerProcess(env) : undefined;
    first.child.kill('SIGKILL');
    const killedAt = performance.now();
    await Promise.all(inFlight);
    stub.setScript();

    const second = standby ?? (await startServerProcess(env));
    const listeningAt = performance.now();
    const after = createHttpClient(second.url);
    await expect
      .poll(
        async () =>
          (await after.get(`/api/v1/runs?agent_id=${agentId}&status=running&limit=1`, as)).headers.get(
            'x-total-count',
          ),
        {
          timeout: (RECOVERY_SECONDS + 4) * 1000,
          interval: 200,
        },
      )
      .toBe('0');
    const recoveredMs = Math.round(performance.now() - killedAt);
    const restartMs = Math.round(listeningAt - killedAt);
    console.log(
      `kill -9 with ${TURNS} turns in flight (RUN_RECOVERY_SECONDS=${RECOVERY_SECONDS}, ${testDatabaseKind}): ` +
        `runs abandoned ${recoveredMs} ms after the kill` +
        (standby
          ? ' (a second process was running)'
          : ` (the next server listened ${restartMs} ms after it)`),
    );
    // Within RUN_RECOVERY_SECONDS of the kill for a live process, of its start for the next one.
    expect(recoveredMs - (standby ? 0 : restartMs)).toBeLessThan(RECOVERY_SECONDS * 1000);

    const runs = (await after.get(`/api/v1/runs?agent_id=${agentId}&limit=200`, as)).body as {
      id: string;
      status: string;
      session_id: string;
      error: { code: string } | null;
    }[];
    expect(runs.filter((run) => run.status === 'abandoned')).toHaveLength(TURNS);
    expect(runs.filter((run) => run.status === 'completed').map((run) => run.session_id)).toEqual([
      done.body.session_id,
    ]);
    for (const run of runs.filter((candidate) => candidate.status === 'abandoned')) {
      expect(run.error?.code).toBe('abandoned');
      // Started sessions hold their greeting only: the question and an answer come with a turn's end.
      const session = await after.get(`/api/v1/sessions/${run.session_id}/messages`, as);
      expect(session.body.map((message: { content: string }) => message.content)).toEqual([
        'Hello, I am here.',
      ]);
    }
    const agentAfter = (await after.get(`/api/v1/agents/${agentId}`, as)).body;
    expect(agentAfter.runtime.state).not.toBe('busy');
    expect(agentAfter.interaction_count).toBe(1);
    const survivor = await after.get(`/api/v1/sessions/${done.body.session_id}`, as);
    expect(survivor.body.message_count).toBe(3);

    // The agent works again on the new process.
    const again = await after.post(`/api/v1/agents/${agentId}/execute`, { message: 'after the crash' }, as);
    expect(again.status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
