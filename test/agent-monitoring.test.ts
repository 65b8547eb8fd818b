import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentryModule } from '../src/app.ts';
import { AGENT_MONITORING_QUEUE } from '../src/modules/monitoring/index.ts';
import type { JobQueue } from '../src/platform/queue/job-queue.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { openEventStream, type ReceivedEvent } from './support/event-stream.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Per-agent health and metrics (docs/monitoring.md) through a listening server, with real runs
 * against an OpenAI-compatible stub that fails when told to, and the health monitor's job sent to
 * its queue as its cron schedule sends it. The error-rate threshold is raised to 25% here, so that
 * the setting is seen to apply.
 */
const KEY = 'sk-stub-key-0123456789';
let stub: OpenAiStub;
let app: TestApp;
let owner: TestAccount;
let dataDir: string;
let queue: JobQueue | undefined;
let events: { events: ReceivedEvent[]; close(): void };
let stubProvider: string;

/** The job queue, as the job registry hands it to every module at start. */
const captureQueue: AgentryModule = (_app, { jobs }) => {
  jobs.atStart(async (started) => {
    queue = started;
  });
};

const as = (account: TestAccount) => ({ token: account.token });

async function createProvider(name: string) {
  const response = await app.http.post(
    '/api/v1/providers',
    { name, type: 'openai_compatible', base_url: stub.url, api_key: KEY },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const id = response.body.id as string;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = (await app.http.get(`/api/v1/providers/${id}`, as(owner))).body.validation_status;
    if (status === 'connected') return id;
    if (Date.now() > deadline) throw new Error(`provider validation ended ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createAgent(body: Record<string, unknown> = {}, account = owner) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Monitored', model: 'gpt-stub', show_suggestions_after_each_message: false, ...body },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function execute(agentId: string, expectedStatus: number) {
  const response = await app.http.post(`/api/v1/agents/${agentId}/execute`, { message: 'hello' }, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(expectedStatus);
  return response.body;
}

/** Turns that fail because the provider answers 500 (the provider is unavailable). */
async function failTurns(agentId: string, count: number) {
  stub.failNext(count, 500);
  for (let index = 0; index < count; index++) await execute(agentId, 503);
}

const health = async (agentId: string) =>
  (await app.http.get(`/api/v1/agents/${agentId}/health`, as(owner))).body;
const metrics = async (agentId: string) =>
  (await app.http.get(`/api/v1/agents/${agentId}/metrics`, as(owner))).body;

/** Sends the monitor's job, as its schedule does every minute. */
async function runMonitor() {
  expect(queue, 'the job queue was handed to the modules').toBeDefined();
  await queue?.send(AGENT_MONITORING_QUEUE, {});
}

const eventsOf = (type: string, agentId: string, reason?: string) =>
  events.events.filter(
    (event) =>
      event.type === type && event.data.agent_id === agentId && (!reason || event.data.reason === reason),
  );

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  dataDir = await mkdtemp(join(tmpdir(), 'agentry-monitoring-'));
  app = await startTestApp(
    {
      DATA_DIR: dataDir,
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      LLM_RETRY_MAX_ATTEMPTS: '1',
      LLM_BREAKER_FAILURE_THRESHOLD: '100',
      AGENT_ALERT_ERROR_RATE: '0.25',
      // The tests poll metrics and health: the organization's rate limits are not under test here.
      RATE_LIMIT_ENABLED: 'false',
    },
    'all',
    [captureQueue],
  );
  owner = await registerAccount(app.http, 'Owner');
  // The organization's first provider is its default.
  stubProvider = await createProvider('Stub');
  events = await openEventStream(`${app.url}/api/v1/events`, { authorization: `Bearer ${owner.token}` });
});
afterAll(async () => {
  events?.close();
  await app?.close();
  await stub?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /agents/{id}/health', () => {
  it('passes every check for a fresh agent, and leaves no probe behind in the file storage', async () => {
    const agentId = await createAgent();
    const response = await app.http.get(`/api/v1/agents/${agentId}/health`, as(owner));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      agent_id: agentId,
      overall_status: 'healthy',
      checks: {
        configuration: {
          status: 'healthy',
          provider: { id: stubProvider, name: 'Stub', type: 'openai_compatible' },
          model: 'gpt-stub',
        },
        database: { status: 'healthy', latency_ms: expect.any(Number) },
        task_processing: {
          status: 'healthy',
          queues: [{ name: AGENT_MONITORING_QUEUE, queued: expect.any(Number), active: expect.any(Number) }],
        },
        file_access: { status: 'healthy' },
      },
      runtime: {
        state: 'idle',
        health: 'healthy',
        consecutive_failures: 0,
        last_error: null,
        last_heartbeat: null,
      },
      alerts: [],
      last_health_check: null,
    });
    expect(await readdir(join(dataDir, 'files'))).toEqual([]);
  });

  it('resolves an organization without providers to the offline model', async () => {
    const other = await registerAccount(app.http, 'Offline owner');
    const agentId = await createAgent({ model: null }, other);
    const body = (await app.http.get(`/api/v1/agents/${agentId}/health`, as(other))).body;
    expect(body.overall_status).toBe('healthy');
    expect(body.checks.configuration).toEqual({
      status: 'healthy',
      provider: { id: 'offline', name: 'Offline model', type: 'offline' },
      model: 'agentry-offline',
    });
  });

  it('fails the configuration check when the provider’s key no longer decrypts, is disabled or deleted', async () => {
    const broken = await createProvider('Broken key');
    const brokenAgent = await createAgent({ provider_id: broken });
    // Another row's sealed key: bound to that row, it cannot be opened for this one.
    await app.database.db.execute(
      sql`update llm_providers set api_key_ciphertext = (select api_key_ciphertext from llm_providers where id = ${stubProvider})
          where id = ${broken}`,
    );
    const unreadable = await health(brokenAgent);
    expect(unreadable.overall_status).toBe('error');
    expect(unreadable.checks.configuration).toMatchObject({ status: 'error', code: 'secret_unreadable' });
    expect(unreadable.checks.database.status).toBe('healthy');

    const provider = await createProvider('Soon disabled');
    const agentId = await createAgent({ provider_id: provider });
    expect((await health(agentId)).overall_status).toBe('healthy');
    await app.http.patch(`/api/v1/providers/${provider}`, { is_active: false }, as(owner));
    const disabled = await health(agentId);
    expect(disabled.overall_status).toBe('error');
    expect(disabled.checks.configuration).toMatchObject({ status: 'error', code: 'provider_inactive' });
    expect(disabled.checks.configuration.message).toContain('inactive');

    expect((await app.http.delete(`/api/v1/providers/${provider}`, as(owner))).status).toBe(204);
    const deleted = await health(agentId);
    expect(deleted.overall_status).toBe('error');
    expect(deleted.checks.configuration).toMatchObject({ status: 'error', code: 'not_found' });
  });
});

describe('GET /agents/{id}/metrics', () => {
  it('reports nothing to measure for an agent without runs', async () => {
    const agentId = await createAgent();
    const response = await app.http.get(`/api/v1/agents/${agentId}/metrics`, as(owner));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      agent_id: agentId,
      performance: { avg_response_time_ms: null, success_rate: null, tasks_processed_24h: 0, queue_depth: 0 },
      resources: { file_storage_mb: 0, configuration_versions: 1 },
      health: { last_successful_task: null, error_rate_1h: null, availability_percentage: null },
      window: { hours: 24, error_rate_hours: 1 },
    });
  });

  it('computes the metrics from the agent’s runs: completed, failed, unavailable, running and cancelled', async () => {
    const agentId = await createAgent();
    for (let index = 0; index < 3; index++) await execute(agentId, 200);
    await failTurns(agentId, 1);
    stub.failNext(1, 400); // the provider refuses: a failure, but the agent was available
    await execute(agentId, 502);
    await app.http.patch(`/api/v1/agents/${agentId}`, { temperature: 0.3 }, as(owner));

    const completed = (await app.http.get(`/api/v1/runs?agent_id=${agentId}&status=completed`, as(owner)))
      .body;
    const durations = completed.map((run: { duration_ms: number }) => run.duration_ms);
    const versions = await app.http.get(`/api/v1/agents/${agentId}/configuration/versions`, as(owner));
    expect(await metrics(agentId)).toMatchObject({
      performance: {
        avg_response_time_ms: Math.round(durations.reduce((sum: number, ms: number) => sum + ms, 0) / 3),
        success_rate: 0.6,
        tasks_processed_24h: 5,
        queue_depth: 0,
      },
      resources: {
        file_storage_mb: 0,
        configuration_versions: Number(versions.headers.get('x-total-count')),
      },
      health: {
        last_successful_task: completed[0].completed_at,
        error_rate_1h: 0.4,
        availability_percentage: 80,
      },
    });
    expect((await metrics(agentId)).resources.configuration_versions).toBe(2);

    // A turn in flight is queue depth; cancelled by its client, it counts as processed, not as a failure.
    stub.enqueue({ type: 'hang' });
    const client = new AbortController();
    const streamed = await fetch(`${app.url}/api/v1/agents/${agentId}/execute/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ message: 'wait' }),
      signal: client.signal,
    });
    expect(streamed.status).toBe(200);
    await expect
      .poll(async () => (await metrics(agentId)).performance.queue_depth, { timeout: 10_000 })
      .toBe(1);
    client.abort();
    await expect
      .poll(async () => (await metrics(agentId)).performance.queue_depth, { timeout: 10_000 })
      .toBe(0);
    expect(await metrics(agentId)).toMatchObject({
      performance: { success_rate: 0.6, tasks_processed_24h: 6 },
      health: { error_rate_1h: 0.4, availability_percentage: 80 },
    });
  });
});

describe('the health monitor', () => {
  it('recovers an agent in error whose checks pass, and raises each crossed threshold once', async () => {
    const agentId = await createAgent();
    await failTurns(agentId, 3);
    expect((await health(agentId)).runtime).toMatchObject({
      state: 'error',
      health: 'error',
      consecutive_failures: 3,
    });

    await runMonitor();
    await expect.poll(() => eventsOf('agent-recovered', agentId).length, { timeout: 10_000 }).toBe(1);
    expect(eventsOf('agent-recovered', agentId)[0]?.data).toEqual({
      agent_id: agentId,
      consecutive_failures: 3,
      checks: {
        configuration: 'healthy',
        database: 'healthy',
        task_processing: 'healthy',
        file_access: 'healthy',
      },
    });
    const recovered = await health(agentId);
    expect(recovered.runtime).toMatchObject({ state: 'idle', health: 'warning', consecutive_failures: 0 });
    expect(recovered.last_health_check).toEqual(expect.any(String));
    // Every run of the last hour failed, each for want of the provider.
    expect(recovered.alerts).toEqual(['availability', 'error_rate']);
    expect(eventsOf('agent-alert', agentId, 'error_rate')[0]?.data).toMatchObject({
      value: 1,
      threshold: 0.25,
    });
    expect(eventsOf('agent-alert', agentId, 'availability')[0]?.data).toMatchObject({
      value: 0,
      threshold: 95,
    });

    // A completed turn makes it healthy; the monitor's record survives the turn's end.
    await execute(agentId, 200);
    const afterTurn = await health(agentId);
    expect(afterTurn.runtime).toMatchObject({ state: 'idle', health: 'healthy', consecutive_failures: 0 });
    expect(afterTurn.last_health_check).toBe(recovered.last_health_check);
    expect(afterTurn.alerts).toEqual(['availability', 'error_rate']);

    // The next run sees the thresholds still crossed: no new alert. A later agent recovering in the
    // same run (agents are taken in id order) tells when it has looked at this one.
    const marker = await createAgent();
    await failTurns(marker, 3);
    await runMonitor();
    await expect.poll(() => eventsOf('agent-recovered', marker).length, { timeout: 10_000 }).toBe(1);
    expect(eventsOf('agent-alert', agentId, 'error_rate')).toHaveLength(1);
    expect(eventsOf('agent-alert', agentId, 'availability')).toHaveLength(1);
  });

  it('keeps an agent whose checks fail in error, records why and raises recovery_failed once', async () => {
    const provider = await createProvider('Failing');
    const agentId = await createAgent({ provider_id: provider });
    await failTurns(agentId, 3);
    await app.http.patch(`/api/v1/providers/${provider}`, { is_active: false }, as(owner));

    await runMonitor();
    await expect
      .poll(() => eventsOf('agent-alert', agentId, 'recovery_failed').length, { timeout: 10_000 })
      .toBe(1);
    expect(eventsOf('agent-alert', agentId, 'recovery_failed')[0]?.data).toMatchObject({
      message: expect.stringContaining('configuration'),
    });
    const stuck = await health(agentId);
    expect(stuck.runtime).toMatchObject({ state: 'error', health: 'error', consecutive_failures: 3 });
    expect(stuck.last_health_check).toEqual(expect.any(String));
    expect(stuck.alerts).toEqual(['availability', 'error_rate', 'recovery_failed']);
    expect(eventsOf('agent-recovered', agentId)).toHaveLength(0);

    const marker = await createAgent();
    await failTurns(marker, 3);
    await runMonitor();
    await expect.poll(() => eventsOf('agent-recovered', marker).length, { timeout: 10_000 }).toBe(1);
    expect(eventsOf('agent-alert', agentId, 'recovery_failed')).toHaveLength(1);
    expect((await health(agentId)).last_health_check).not.toBe(stuck.last_health_check);

    // Fixed, it recovers at the next run, and recovery_failed is cleared.
    await app.http.patch(`/api/v1/providers/${provider}`, { is_active: true }, as(owner));
    await runMonitor();
    await expect.poll(() => eventsOf('agent-recovered', agentId).length, { timeout: 10_000 }).toBe(1);
    expect((await health(agentId)).alerts).toEqual(['availability', 'error_rate']);
  });

  it('raises the error-rate alert only past the configured threshold', async () => {
    const below = await createAgent(); // 1 failure in 5: 20%, under the 25% set for this test
    for (let index = 0; index < 4; index++) await execute(below, 200);
    stub.failNext(1, 400);
    await execute(below, 502);
    const above = await createAgent(); // 1 failure in 3: 33%
    for (let index = 0; index < 2; index++) await execute(above, 200);
    stub.failNext(1, 400);
    await execute(above, 502);
    const marker = await createAgent();
    await failTurns(marker, 3);

    await runMonitor();
    await expect.poll(() => eventsOf('agent-recovered', marker).length, { timeout: 10_000 }).toBe(1);
    expect(eventsOf('agent-alert', above).map((event) => event.data)).toEqual([
      {
        agent_id: above,
        reason: 'error_rate',
        value: 0.3333,
        threshold: 0.25,
        message: '33% of the last hour’s runs failed',
      },
    ]);
    expect(eventsOf('agent-alert', below)).toEqual([]);
    expect((await health(below)).alerts).toEqual([]);
  });
});
