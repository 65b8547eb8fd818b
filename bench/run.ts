/**
 * `npm run bench`: the agent API against a no-op route of the same server, over real HTTP, on
 * PGlite and (with BENCH_DATABASE_URL) PostgreSQL. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, platform } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiAt } from './api.ts';
import { type BenchDatabase, pgliteDatabase, postgresDatabase } from './databases.ts';
import { runLoad } from './load.ts';
import { type DatabaseRun, formatRun, type ScenarioResult, targetOutcomes, verdict } from './report.ts';
import { CONNECTIONS, NOOP_PATH, prepareFixture, type Scenario, scenarios } from './scenarios.ts';
import { startServerProcess } from './server-process.ts';

const LOG_LEVEL = 'warn';
const WARMUP_SECONDS = 1;
/** autocannon stops without waiting for requests in flight; let the server commit them before checking. */
const SETTLE_MS = 250;
const durationSeconds = readDuration(process.env.BENCH_DURATION_SECONDS);
const jwtSecret = randomBytes(32).toString('hex');
const secretKey = randomBytes(32).toString('hex');
const cleanups = new Set<() => Promise<void>>();

function readDuration(value: string | undefined): number {
  const seconds = Number(value ?? '5');
  if (!Number.isInteger(seconds) || seconds < 1) {
    console.error(`BENCH_DURATION_SECONDS must be a whole number of seconds >= 1, not ${value}`);
    process.exit(2);
  }
  return seconds;
}

/** Every Agentry setting is given, so the caller's environment cannot change what is measured. */
function serverEnv(database: BenchDatabase): Record<string, string> {
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
    TRUST_PROXY: '',
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

async function benchmark(database: BenchDatabase): Promise<DatabaseRun> {
  const server = await startServerProcess(serverEnv(database));
  cleanups.add(server.stop);
  try {
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
    return { name: database.name, description: database.description, results };
  } finally {
    await server.stop();
    cleanups.delete(server.stop);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const cpuList = cpus();
  console.log(
    [
      `Agentry benchmark — Node ${process.version}, ${platform()}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? '?'})`,
      `Server: bench/server.ts in a separate process = buildApp() + GET ${NOOP_PATH} (the ceiling), on the same Fastify instance.`,
      `Server settings: LOG_LEVEL=${LOG_LEVEL} for every route (ceiling included); otherwise defaults (DATABASE_POOL_MAX=10, PROMPT_SCREENING=block).`,
      `Load: autocannon in this process, ${WARMUP_SECONDS} s warm-up then ${durationSeconds} s per scenario; req/s and latencies count 2xx responses.`,
      '',
    ].join('\n'),
  );
  const adminUrl = process.env.BENCH_DATABASE_URL;
  const openers: Array<() => Promise<BenchDatabase>> = [pgliteDatabase];
  if (adminUrl) openers.push(() => postgresDatabase(adminUrl));

  const runs: DatabaseRun[] = [];
  let failed = false;
  for (const open of openers) {
    let database: BenchDatabase | undefined;
    try {
      database = await open();
      cleanups.add(database.dispose);
      console.error(`Benchmarking ${database.description} ...`);
      const run = await benchmark(database);
      runs.push(run);
      console.log(formatRun(run));
      if (run.results.some((result) => result.problems.length > 0)) failed = true;
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

  console.log('=== Summary ===');
  for (const run of runs) {
    for (const outcome of targetOutcomes(run))
      console.log(`  ${run.name.padEnd(10)}  ${verdict(outcome)}  ${outcome.text}`);
  }
  if (!adminUrl) {
    console.log(
      '  PostgreSQL  NOT MEASURED  the GET target is set for PostgreSQL: run with BENCH_DATABASE_URL=postgres://...',
    );
  }
  console.log(
    failed ? '\n!!! Some requests or checks FAILED: see above. Exit code 1.' : '\nAll requests succeeded.',
  );
  console.log(`Total time: ${Math.round((Date.now() - started) / 1000)} s`);
  return failed ? 1 : 0;
}

async function cleanUp() {
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
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
