/**
 * `npm run bench`: the agent API against a no-op route of the same server, chat turns against the
 * OpenAI-compatible stub called directly, autonomous tasks and analysis runs against chat turns of
 * the same agent, and knowledge files (PDF extraction against pdf.js, uploads against a disk copy and a discarding
 * HTTP server, retrieval against its ranking without the agent filter), and memory (recall against
 * reading its memories by id, turns with memory against turns without), over real HTTP where a
 * server is involved, on PGlite and (with BENCH_DATABASE_URL) PostgreSQL. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, platform } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ANALYSIS_ANSWER,
  ANALYSIS_CONCURRENCY,
  ANALYSIS_WARMUP_ITEMS,
  measureAnalysis,
  prepareAnalysisFixture,
} from './analysis.ts';
import type { AnalysisRun } from './analysis-report.ts';
import { apiAt } from './api.ts';
import { type BenchDatabase, pgliteDatabase, postgresDatabase } from './databases.ts';
import {
  benchmarkExtraction,
  type ExtractionBenchmark,
  extractionTarget,
  formatExtraction,
} from './extraction.ts';
import { measureScenario, runLoad } from './load.ts';
import { benchMemory } from './memory.ts';
import { benchOperations } from './operations.ts';
import { type DatabaseRun, formatRun, hasProblems, type ScenarioResult, targetOutcomes } from './report.ts';
import { benchRetrieval } from './retrieval.ts';
import { CONNECTIONS, NOOP_PATH, prepareFixture, type Scenario, scenarios } from './scenarios.ts';
import { type ServerProcess, startServerProcess, startStubProcess } from './server-process.ts';
import { LOG_LEVEL, readBenchSettings, serverEnv } from './settings.ts';
import { type TargetOutcome, verdict } from './targets.ts';
import type { TaskRun } from './task-report.ts';
import { measureTaskLatency, measureTaskThroughput, TASK_WORKERS } from './tasks.ts';
import { benchTools } from './tools.ts';
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
import { measureAgentryUploads, measureUploadCeilings, type UploadMeasurement } from './uploads.ts';

const WARMUP_SECONDS = 1;
/** autocannon stops without waiting for requests in flight; let the server commit them before checking. */
const SETTLE_MS = 250;
const {
  only,
  runAgents,
  runTurns,
  runTasks,
  runAnalysis,
  runKnowledge,
  runMemory,
  runTools,
  runOperations,
  durationSeconds,
  uploadSeconds,
  taskCount,
  taskSamples,
  analysisItems,
  retrievalChunks,
  retrievalSearches,
  memoryCount,
  memoryRecalls,
} = readBenchSettings();
/** The groups whose agent's model is the stub. */
const usesStub = runTurns || runTasks || runAnalysis;
/** The groups measured through the server process (the memory group runs Agentry in this process). */
const usesServer = runAgents || usesStub || runKnowledge;
const cleanups = new Set<() => Promise<void>>();

async function measure(baseUrl: string, scenario: Scenario, connections: number): Promise<ScenarioResult> {
  const spec = { baseUrl, connections, headers: scenario.headers, requestFor: scenario.requestFor };
  const judged = await measureScenario({
    label: `${scenario.label} x${connections}`,
    unit: 'requests',
    check: await scenario.before?.(connections),
    run: (seconds) => runLoad({ ...spec, durationSeconds: seconds }),
    warmupSeconds: WARMUP_SECONDS,
    durationSeconds,
    settle,
  });
  return { key: scenario.key, label: scenario.label, ...judged };
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

/**
 * Tasks against chat turns of the same agent: the throughput of queued tasks, then `/execute` at
 * as many connections as task workers for as long; one task at a time, then one turn at a time.
 */
async function taskGroup(
  database: BenchDatabase,
  server: ServerProcess,
  stub: StubEndpoint,
): Promise<TaskRun> {
  const api = apiAt(server.url);
  const fixture = await prepareTurnFixture(api, stub);
  const execute = turnScenarios(api, server.url, stub, fixture).find(
    (scenario) => scenario.key === 'execute',
  );
  if (!execute) throw new Error('the turn scenarios have no execute scenario');
  const log = (text: string, problems: string[]) =>
    console.error(`  [${database.name}] ${text}${problems.length > 0 ? '  !!! PROBLEMS' : ''}`);
  const run: TaskRun = {};
  const throughput = await measureTaskThroughput(api, server.url, fixture, taskCount);
  run.throughput = throughput;
  log(
    `${throughput.tasks} queued tasks: ${Math.round(throughput.tasksPerSecond)} tasks/s over ${throughput.seconds.toFixed(2)} s`,
    throughput.problems,
  );
  // As long as the tasks took (the configured duration if they could not be timed).
  const seconds = Number.isFinite(throughput.seconds) ? throughput.seconds : durationSeconds;
  run.executeConcurrent = await measureTurns(execute, TASK_WORKERS, WARMUP_SECONDS, seconds, settle);
  const concurrent = run.executeConcurrent;
  log(
    `${execute.label} x${TASK_WORKERS}: ${Math.round(concurrent.measurement.turnsPerSecond)} turns/s`,
    concurrent.problems,
  );
  const latency = await measureTaskLatency(api, server.url, fixture, taskSamples);
  run.latency = latency;
  log(
    `${latency.samples} tasks one at a time: queued -> started p50 ${latency.queuedToStarted.p50Ms.toFixed(2)} ms, ` +
      `created -> completed p50 ${latency.createdToCompleted.p50Ms.toFixed(2)} ms`,
    latency.problems,
  );
  run.executeSingle = await measureTurns(execute, 1, WARMUP_SECONDS, durationSeconds, settle);
  log(
    `${execute.label} x1: p50 ${run.executeSingle.measurement.p50Ms.toFixed(2)} ms`,
    run.executeSingle.problems,
  );
  return run;
}

/**
 * An analysis run against chat turns of the same agent: the run's items/s, then `/execute` at as
 * many connections as the run's concurrency for as long as the run took.
 */
async function analysisGroup(
  database: BenchDatabase,
  server: ServerProcess,
  stub: StubEndpoint,
): Promise<AnalysisRun> {
  const api = apiAt(server.url);
  const fixture = await prepareAnalysisFixture(api, stub);
  const execute = turnScenarios(api, server.url, stub, fixture.turns).find(
    (scenario) => scenario.key === 'execute',
  );
  if (!execute) throw new Error('the turn scenarios have no execute scenario');
  const log = (text: string, problems: string[]) =>
    console.error(`  [${database.name}] ${text}${problems.length > 0 ? '  !!! PROBLEMS' : ''}`);
  const throughput = await measureAnalysis(api, fixture, analysisItems);
  log(
    `analysis run of ${throughput.items} items: ${Math.round(throughput.itemsPerSecond)} items/s over ${throughput.seconds.toFixed(2)} s`,
    throughput.problems,
  );
  // As long as the run took (the configured duration if it could not be timed).
  const seconds = Number.isFinite(throughput.seconds) ? throughput.seconds : durationSeconds;
  const executeConcurrent = await measureTurns(
    execute,
    ANALYSIS_CONCURRENCY,
    WARMUP_SECONDS,
    seconds,
    settle,
  );
  log(
    `${execute.label} x${ANALYSIS_CONCURRENCY}: ${Math.round(executeConcurrent.measurement.turnsPerSecond)} turns/s`,
    executeConcurrent.problems,
  );
  return { throughput, executeConcurrent };
}

/** The groups that go through a server process, one after the other on the same server. */
async function benchmark(
  database: BenchDatabase,
  stub: StubEndpoint | undefined,
  uploadCeilings: UploadMeasurement[] | undefined,
): Promise<DatabaseRun> {
  const server = await startServerProcess(serverEnv(database, stub));
  cleanups.add(server.stop);
  try {
    const run: DatabaseRun = {
      name: database.name,
      description: database.description,
      results: runAgents ? await agentGroup(database, server) : [],
    };
    if (stub && runTurns) run.turns = await turnGroup(database, server, stub);
    if (stub && runTasks) run.tasks = await taskGroup(database, server, stub);
    if (stub && runAnalysis) run.analysis = await analysisGroup(database, server, stub);
    if (uploadCeilings) {
      console.error(`  [${database.name}] uploads ...`);
      const uploads = await measureAgentryUploads(apiAt(server.url), server.url, uploadSeconds);
      run.uploads = { ceilings: uploadCeilings, ...uploads };
    }
    return run;
  } finally {
    await server.stop();
    cleanups.delete(server.stop);
  }
}

/** Opens a fresh database of the same kind, removed even on Ctrl-C, and runs `work` on it. */
async function onFreshDatabase<T>(
  open: () => Promise<BenchDatabase>,
  work: (database: BenchDatabase) => Promise<T>,
) {
  const database = await open();
  cleanups.add(database.dispose);
  try {
    return await work(database);
  } finally {
    await database.dispose();
    cleanups.delete(database.dispose);
  }
}

/** The OpenAI-compatible stub in its own process, shared by both databases' runs. */
async function startStub(): Promise<StubEndpoint> {
  const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const stub = await startStubProcess({
    BENCH_STUB_API_KEY: apiKey,
    BENCH_STUB_JSON_ANSWER: JSON.stringify(ANALYSIS_ANSWER),
  });
  cleanups.add(stub.stop);
  return { url: stub.url, apiKey };
}

function header(): string {
  const cpuList = cpus();
  const groups = [
    runAgents ? 'agents' : '',
    runTurns ? 'turns' : '',
    runTasks ? 'tasks' : '',
    runAnalysis ? 'analysis' : '',
    runKnowledge ? 'knowledge' : '',
    runMemory ? 'memory' : '',
    runTools ? 'tools' : '',
    runOperations ? 'operations' : '',
  ]
    .filter(Boolean)
    .join(' + ');
  return [
    `Agentry benchmark — Node ${process.version}, ${platform()}, ${cpuList.length} CPU(s) (${cpuList[0]?.model.trim() ?? '?'}), load average ${formatLoad()} before starting (1, 5, 15 min: work of other processes, which competes with the bench)`,
    `Groups: ${groups}${only ? ` (BENCH_ONLY=${only})` : ''}.`,
    `Server: bench/server.ts in a separate process = buildApp() + GET ${NOOP_PATH} (the agent API's ceiling), on the same Fastify instance.`,
    `Server settings: LOG_LEVEL=${LOG_LEVEL} for every route (ceiling included), RATE_LIMIT_ENABLED=false; otherwise defaults (DATABASE_POOL_MAX=10, PROMPT_SCREENING=block, LLM_* defaults` +
      `${runKnowledge ? ', STORAGE_TYPE=local, MAX_UPLOAD_BYTES=50 MB' : ''})` +
      `${runTasks ? `, TASK_WORKER_CONCURRENCY=${TASK_WORKERS}` : ''}` +
      (usesStub ? ', OUTBOUND_ALLOWLIST=<the stub host:port>.' : '.'),
    ...(usesStub
      ? [
          'Model: test/stubs/openai-stub.ts in its own process (bench/llm-stub-server.ts), answering at once' +
            `${runAnalysis ? ` (with ${JSON.stringify(ANALYSIS_ANSWER)} when asked for JSON)` : ''}; the turn ceiling is that stub called directly.`,
        ]
      : []),
    ...(runAgents || usesStub
      ? [
          `Load: in this process, ${WARMUP_SECONDS} s warm-up then ${durationSeconds} s per scenario` +
            `${runAgents ? '; agent API: autocannon, req/s and latencies of 2xx responses' : ''}` +
            `${usesStub ? '; turns: undici, one connection per client, turns/s and latencies of complete answers' : ''}.`,
        ]
      : []),
    ...(runTasks
      ? [
          `Tasks: ${taskCount.toLocaleString('en-US')} queued tasks for throughput (POST /execute x${TASK_WORKERS} for as long), ` +
            `${taskSamples} one at a time for latency (POST /execute x1 for ${durationSeconds} s).`,
        ]
      : []),
    ...(runAnalysis
      ? [
          `Analysis: a run of ${analysisItems.toLocaleString('en-US')} inline items (after one of ${ANALYSIS_WARMUP_ITEMS} for warm-up), ` +
            `concurrency ${ANALYSIS_CONCURRENCY}, batch_size 1 (POST /execute x${ANALYSIS_CONCURRENCY} for as long).`,
        ]
      : []),
    ...(runKnowledge
      ? [
          `Knowledge: PDF extraction in this process; uploads over HTTP from this process, one upload per connection of warm-up then ${uploadSeconds} s per scenario; ` +
            `retrieval in this process on a fresh database of each kind, ${retrievalChunks.toLocaleString('en-US')} chunks, ${retrievalSearches} searches per scenario.`,
        ]
      : []),
    ...(runMemory
      ? [
          `Memory: recall in this process on a fresh database of each kind, ${memoryCount.toLocaleString('en-US')} memories, ${memoryRecalls} recalls per scenario; ` +
            `turns (offline model) over HTTP to Agentry in this process, memory off then on, one at a time for ${durationSeconds} s each.`,
        ]
      : []),
    ...(runTools
      ? [
          `Tools: an MCP server (test/support/mcp-test-server.ts) on loopback; its echo tool called with the SDK client, then turns (offline model) ` +
            `over HTTP to Agentry in this process calling a built-in tool, then the MCP tool, one at a time for ${durationSeconds} s each.`,
        ]
      : []),
    ...(runOperations
      ? [
          `Operations: turns (offline model) over HTTP to Agentry in this process without budgets, then with an organization and an agent budget; ` +
            `then GET /health and GET /metrics (METRICS_TOKEN); one at a time for ${durationSeconds} s each.`,
        ]
      : []),
    '',
  ].join('\n');
}

const failure = (what: string, error: unknown) =>
  console.log(`!!! ${what} FAILED: ${(error as Error).stack ?? error}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  console.log(header());
  const adminUrl = process.env.BENCH_DATABASE_URL;
  const openers: Array<() => Promise<BenchDatabase>> = [pgliteDatabase];
  if (adminUrl) openers.push(() => postgresDatabase(adminUrl));

  const runs: DatabaseRun[] = [];
  let failed = false;
  let stub: StubEndpoint | undefined;
  try {
    stub = usesStub ? await startStub() : undefined;
  } catch (error) {
    failure('the stub process', error);
    return 1;
  }
  let extraction: ExtractionBenchmark | undefined;
  let uploadCeilings: UploadMeasurement[] | undefined;
  if (runKnowledge) {
    try {
      console.error('PDF extraction ...');
      extraction = await benchmarkExtraction();
      console.log(`${formatExtraction(extraction)}\n`);
      console.error('Upload ceilings ...');
      const measured = await measureUploadCeilings(uploadSeconds);
      uploadCeilings = measured.ceilings;
      for (const problem of measured.problems) console.log(`!!! upload ceiling: ${problem}`);
      if (measured.problems.length > 0) failed = true;
    } catch (error) {
      failed = true;
      failure('the knowledge benchmark (extraction or upload ceilings)', error);
    }
  }
  for (const open of openers) {
    let run: DatabaseRun | undefined;
    try {
      run = await onFreshDatabase(open, async (database) => {
        if (!usesServer) return { name: database.name, description: database.description, results: [] };
        console.error(`Benchmarking ${database.description} ...`);
        return benchmark(database, stub, uploadCeilings);
      });
    } catch (error) {
      failed = true;
      failure('a database benchmark', error);
    }
    if (run && runKnowledge) {
      try {
        run.retrieval = await onFreshDatabase(open, (database) => {
          console.error(`Retrieval on ${database.description} ...`);
          return benchRetrieval(database, { chunks: retrievalChunks, searches: retrievalSearches });
        });
      } catch (error) {
        failed = true;
        failure(`the ${run.name} retrieval benchmark`, error);
      }
    }
    if (run && runMemory) {
      try {
        run.memory = await onFreshDatabase(open, (database) => {
          console.error(`Memory on ${database.description} ...`);
          return benchMemory(database, {
            memories: memoryCount,
            recalls: memoryRecalls,
            turnSeconds: durationSeconds,
          });
        });
      } catch (error) {
        failed = true;
        failure(`the ${run.name} memory benchmark`, error);
      }
    }
    if (run && runTools) {
      try {
        run.tools = await onFreshDatabase(open, (database) => {
          console.error(`Tools on ${database.description} ...`);
          return benchTools(database, durationSeconds);
        });
      } catch (error) {
        failed = true;
        failure(`the ${run.name} tools benchmark`, error);
      }
    }
    if (run && runOperations) {
      try {
        run.operations = await onFreshDatabase(open, (database) => {
          console.error(`Operations on ${database.description} ...`);
          return benchOperations(database, durationSeconds);
        });
      } catch (error) {
        failed = true;
        failure(`the ${run.name} operations benchmark`, error);
      }
    }
    if (run) {
      runs.push(run);
      console.log(formatRun(run));
      if (hasProblems(run)) failed = true;
    }
  }
  await cleanUp();

  console.log('=== Summary ===');
  const outcomes = runs.flatMap((run) =>
    targetOutcomes(run).map((outcome): [string, TargetOutcome] => [run.name, outcome]),
  );
  if (extraction) outcomes.unshift(['no db', extractionTarget(extraction)]);
  for (const [scope, outcome] of outcomes)
    console.log(`  ${scope.padEnd(10)}  ${verdict(outcome)}  ${outcome.text}`);
  if (!adminUrl) {
    console.log(
      '  PostgreSQL  NOT MEASURED  the targets are set for PostgreSQL: run with BENCH_DATABASE_URL=postgres://...',
    );
  }
  console.log(
    failed
      ? '\n!!! Some requests, turns, tasks, analysis items, uploads or checks FAILED: see above. Exit code 1.'
      : '\nAll requests, turns, tasks, analysis items and uploads succeeded; every check of the written data added up.',
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
