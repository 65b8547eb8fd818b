/**
 * `npm run bench`: the agent API against a no-op route of the same server, and chat turns against
 * the OpenAI-compatible stub called directly, over real HTTP, on PGlite and (with
 * BENCH_DATABASE_URL) PostgreSQL. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, platform } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiAt } from './api.ts';
import { type BenchDatabase, pgliteDatabase, postgresDatabase } from './databases.ts';
import { runLoad } from './load.ts';
import {
  type DatabaseRun,
  formatRun,
  hasProblems,
  type ScenarioResult,
  targetOutcomes,
  verdict,
} from './report.ts';
import { CONNECTIONS, NOOP_PATH, prepareFixture, type Scenario, scenarios } from './scenarios.ts';
import {
  type ProcessEnv,
  type ServerProcess,
  startServerProcess,
  startStubProcess,
} from './server-process.ts';
import type { TurnRun } from './turn-report.ts';
import {
  CONCURRENT_ROUNDS,
  CONCURRENT_TURNS,
  checkConcurrentTurns,
  GROWTH_TURNS,
  measureGrowth,
  measureTurns,
  prepareTurnFixture,
  type StubEndpoint,
  TURN_CONNECTIONS,
  turnScenarios,
} from './turns.ts';

const LOG_LEVEL = 'warn';
const WARMUP_SECONDS = 1;
/** autocannon stops without waiting for requests in flight; let the server commit them before checking. */
const SETTLE_MS = 250;
const durationSeconds = readDuration(process.env.BENCH_DURATION_SECONDS);
const only = readOnly(process.env.BENCH_ONLY);
const runAgents = only !== 'turns';
const runTurns = only !== 'agents';
const jwtSecret = randomBytes(32).toString('hex');
const secretKey = randomBytes(32).toString('hex');
const cleanups = new Set<() => Promise<void>>();

function readOnly(value: string | undefined): 'turns' | 'agents' | undefined {
  if (!value) return undefined;
  if (value === 'turns' || value === 'agents') return value;
  console.error(`BENCH_ONLY must be "turns" or "agents" (or unset for both), not ${value}`);
  process.exit(2);
}

function readDuration(value: string | undefined): number {
  const seconds = Number(value ?? '5');
  if (!Number.isInteger(seconds) || seconds < 1) {
    console.error(`BENCH_DURATION_SECONDS must be a whole number of seconds >= 1, not ${value}`);
    process.exit(2);
  }
  return seconds;
}

/** Every Agentry setting is given, so the caller's environment cannot change what is measured. */
function serverEnv(database: BenchDatabase, stub: StubEndpoint | undefined): ProcessEnv {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL,
    JWT_SECRET: jwtSecret,
    JWT_SECRET_FILE: '',
    AGENTRY_SECRET_KEY: secretKey,
    AGENTRY_SECRET_KEY_FILE: '',
    DATABASE_URL_FILE: '',
    DATABASE_POOL_MAX: '',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    REFRESH_TOKEN_TTL_SECONDS: '',
    ALLOW_REGISTRATION: 'true',
    PROMPT_SCREENING: '',
    HISTORY_RETENTION_DAYS: '',
    TRUST_PROXY: '',
    // The stub listens on loopback, which the outbound guard refuses unless allowlisted: only its port is.
    OUTBOUND_ALLOWLIST: stub ? new URL(stub.url).host : '',
    // No operator provider: the turn agent names its provider (the stub), nothing else is offered.
    // Removed rather than emptied: the AI SDK's provider modules read some of them when loaded.
    OPENAI_API_KEY: undefined,
    OPENAI_BASE_URL: undefined,
    ANTHROPIC_API_KEY: undefined,
    ANTHROPIC_BASE_URL: undefined,
    OLLAMA_BASE_URL: undefined,
    OPERATOR_PROVIDERS_SHARED: '',
    PROVIDER_VALIDATION_TIMEOUT_SECONDS: '',
    LLM_RETRY_MAX_ATTEMPTS: '',
    LLM_RETRY_BASE_DELAY_MS: '',
    LLM_RETRY_MAX_DELAY_MS: '',
    LLM_CALL_TIMEOUT_SECONDS: '',
    LLM_BREAKER_FAILURE_THRESHOLD: '',
    LLM_BREAKER_RECOVERY_SECONDS: '',
    MODEL_PRICES: '',
    // One organization sends far more than any tier allows: the limits would measure themselves.
    RATE_LIMIT_ENABLED: 'false',
    REDIS_URL: undefined,
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '',
    OVERLOAD_MAX_CONCURRENT_TURNS: '',
    ...database.env,
  };
}

async function measure(baseUrl: string, scenario: Scenario, connections: number): Promise<ScenarioResult> {
  const check = await scenario.before?.(connections);
  const spec = { baseUrl, connections, headers: scenario.headers, requestFor: scenario.requestFor };
  const warmup = await runLoad({ ...spec, durationSeconds: WARMUP_SECONDS });
  const measurement = await runLoad({ ...spec, durationSeconds });
  const problems: string[] = [];
  const notes: string[] = [];
  for (const [phase, run] of [
    ['warm-up', warmup],
    ['measured run', measurement],
  ] as const) {
    if (run.failed > 0) {
      problems.push(
        `${scenario.label} x${connections} (${phase}): ${run.failed} of ${run.ok + run.failed} requests FAILED ` +
          `(status codes ${JSON.stringify(run.statusCodes)}, ${run.errors} connection errors/timeouts)`,
      );
    }
  }
  if (measurement.ok === 0) problems.push(`${scenario.label} x${connections}: no successful response at all`);
  if (check) {
    await sleep(SETTLE_MS);
    const outcome = await check(warmup.ok + measurement.ok);
    notes.push(outcome.note);
    if (outcome.problem) problems.push(outcome.problem);
  }
  return {
    key: scenario.key,
    label: scenario.label,
    measurement,
    warmupFailed: warmup.failed,
    problems,
    notes,
  };
}

const settle = () => sleep(SETTLE_MS);
const formatLoad = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

async function agentGroup(database: BenchDatabase, server: ServerProcess): Promise<ScenarioResult[]> {
  const api = apiAt(server.url);
  const fixture = await prepareFixture(api);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios(api, fixture)) {
    for (const connections of CONNECTIONS) {
      const result = await measure(server.url, scenario, connections);
      const { requestsPerSecond, p50Ms } = result.measurement;
      console.error(
        `  [${database.name}] ${scenario.label} x${connections}: ${Math.round(requestsPerSecond)} req/s, ` +
          `p50 ${p50Ms.toFixed(2)} ms${result.problems.length > 0 ? '  !!! PROBLEMS' : ''}`,
      );
      results.push(result);
    }
  }
  return results;
}

async function turnGroup(
  database: BenchDatabase,
  server: ServerProcess,
  stub: StubEndpoint,
): Promise<TurnRun> {
  const api = apiAt(server.url);
  const fixture = await prepareTurnFixture(api, stub);
  const run: TurnRun = { results: [] };
  for (const scenario of turnScenarios(api, server.url, stub, fixture)) {
    for (const connections of TURN_CONNECTIONS) {
      const result = await measureTurns(scenario, connections, WARMUP_SECONDS, durationSeconds, settle);
      const { turnsPerSecond, p50Ms, ttftP50Ms } = result.measurement;
      console.error(
        `  [${database.name}] ${scenario.label} x${connections}: ${Math.round(turnsPerSecond)} turns/s, ` +
          `p50 ${p50Ms.toFixed(2)} ms${result.streamed ? `, TTFT p50 ${ttftP50Ms.toFixed(2)} ms` : ''}` +
          `${result.problems.length > 0 ? '  !!! PROBLEMS' : ''}`,
      );
      run.results.push(result);
    }
  }
  run.growth = await measureGrowth(api, server.url, fixture);
  console.error(
    `  [${database.name}] session growth, ${GROWTH_TURNS} turns: p50 first ${run.growth.firstP50Ms.toFixed(2)} ms, ` +
      `last ${run.growth.lastP50Ms.toFixed(2)} ms${run.growth.problems.length > 0 ? '  !!! PROBLEMS' : ''}`,
  );
  run.concurrency = await checkConcurrentTurns(api, server.url, fixture);
  console.error(
    `  [${database.name}] ${CONCURRENT_ROUNDS} x ${CONCURRENT_TURNS} concurrent turns on one session: ` +
      `${run.concurrency.ok} of ${run.concurrency.turns} answered${run.concurrency.problems.length > 0 ? '  !!! PROBLEMS' : ''}`,
  );
  return run;
}

async function benchmark(database: BenchDatabase, stub: StubEndpoint | undefined): Promise<DatabaseRun> {
  const server = await startServerProcess(serverEnv(database, stub));
  cleanups.add(server.stop);
  try {
    const results = runAgents ? await agentGroup(database, server) : [];
    const turns = stub ? await turnGroup(database, server, stub) : undefined;
    return { name: database.name, description: database.description, results, ...(turns ? { turns } : {}) };
  } finally {
    await server.stop();
    cleanups.delete(server.stop);
  }
}

/** The OpenAI-compatible stub in its own process, shared by both databases' runs. */
async function startStub(): Promise<StubEndpoint> {
  const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const stub = await startStubProcess({ BENCH_STUB_API_KEY: apiKey });
  cleanups.add(stub.stop);
  return { url: stub.url, apiKey };
}

async function main(): Promise<number> {
  const started = Date.now();
  const cpuList = cpus();
  const groups = [runAgents ? 'agents' : '', runTurns ? 'turns' : ''].filter(Boolean).join(' + ');
  console.log(
    [
      `Agentry benchmark — Node ${process.version}, ${platform()}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? '?'}), load average ${formatLoad()} before starting (1, 5, 15 min: work of other processes, which competes with the bench)`,
      `Groups: ${groups}${only ? ` (BENCH_ONLY=${only})` : ''}.`,
      `Server: bench/server.ts in a separate process = buildApp() + GET ${NOOP_PATH} (the agent API's ceiling), on the same Fastify instance.`,
      `Server settings: LOG_LEVEL=${LOG_LEVEL} for every route (ceiling included); otherwise defaults (DATABASE_POOL_MAX=10, PROMPT_SCREENING=block, LLM_* defaults)` +
        (runTurns ? ', OUTBOUND_ALLOWLIST=<the stub host:port>.' : '.'),
      ...(runTurns
        ? [
            'Model: test/stubs/openai-stub.ts in its own process (bench/llm-stub-server.ts), answering at once; the turn ceiling is that stub called directly.',
          ]
        : []),
      `Load: in this process, ${WARMUP_SECONDS} s warm-up then ${durationSeconds} s per scenario` +
        `${runAgents ? '; agent API: autocannon, req/s and latencies of 2xx responses' : ''}` +
        `${runTurns ? '; turns: undici, one connection per client, turns/s and latencies of complete answers' : ''}.`,
      '',
    ].join('\n'),
  );
  const adminUrl = process.env.BENCH_DATABASE_URL;
  const openers: Array<() => Promise<BenchDatabase>> = [pgliteDatabase];
  if (adminUrl) openers.push(() => postgresDatabase(adminUrl));

  const runs: DatabaseRun[] = [];
  let failed = false;
  let stub: StubEndpoint | undefined;
  try {
    stub = runTurns ? await startStub() : undefined;
  } catch (error) {
    console.log(`!!! the stub process FAILED to start: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
  for (const open of openers) {
    let database: BenchDatabase | undefined;
    try {
      database = await open();
      cleanups.add(database.dispose);
      console.error(`Benchmarking ${database.description} ...`);
      const run = await benchmark(database, stub);
      runs.push(run);
      console.log(formatRun(run));
      if (hasProblems(run)) failed = true;
    } catch (error) {
      failed = true;
      console.log(
        `!!! ${database?.name ?? 'database'} benchmark FAILED: ${(error as Error).stack ?? error}\n`,
      );
    } finally {
      if (database) {
        await database.dispose();
        cleanups.delete(database.dispose);
      }
    }
  }
  await cleanUp();

  console.log('=== Summary ===');
  for (const run of runs) {
    for (const outcome of targetOutcomes(run))
      console.log(`  ${run.name.padEnd(10)}  ${verdict(outcome)}  ${outcome.text}`);
  }
  if (!adminUrl) {
    console.log(
      '  PostgreSQL  NOT MEASURED  the targets are set for PostgreSQL: run with BENCH_DATABASE_URL=postgres://...',
    );
  }
  console.log(
    failed
      ? '\n!!! Some requests, turns or checks FAILED: see above. Exit code 1.'
      : '\nAll requests and turns succeeded; every check of the written data added up.',
  );
  console.log(`Total time: ${Math.round((Date.now() - started) / 1000)} s`);
  return failed ? 1 : 0;
}

async function cleanUp() {
  const pending = [...cleanups].reverse();
  cleanups.clear();
  for (const cleanup of pending) await cleanup().catch(() => undefined);
}

process.once('SIGINT', () => {
  console.error('\ninterrupted: stopping the server and removing the benchmark database');
  cleanUp().finally(() => process.exit(130));
});

process.exitCode = await main().catch(async (error: unknown) => {
  console.error(error);
  await cleanUp();
  return 1;
});
