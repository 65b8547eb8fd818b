/**
 * What `npm run bench` reads from its environment (BENCH_*), and the settings it gives the server
 * process. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import type { BenchDatabase } from './databases.ts';
import type { ProcessEnv } from './server-process.ts';
import { TASK_WORKERS } from './tasks.ts';
import type { StubEndpoint } from './turns.ts';

export const LOG_LEVEL = 'warn';
const GROUPS = [
  'agents',
  'turns',
  'tasks',
  'analysis',
  'knowledge',
  'memory',
  'tools',
  'operations',
] as const;
/** The most items an inline source takes (docs/analysis-runs.md). */
const MAX_ANALYSIS_ITEMS = 1_000;
const jwtSecret = randomBytes(32).toString('hex');
const secretKey = randomBytes(32).toString('hex');

export interface BenchSettings {
  /** BENCH_ONLY: one group, or undefined for all. */
  only: (typeof GROUPS)[number] | undefined;
  runAgents: boolean;
  runTurns: boolean;
  runTasks: boolean;
  runAnalysis: boolean;
  runKnowledge: boolean;
  runMemory: boolean;
  runTools: boolean;
  runOperations: boolean;
  /** Measured seconds per agent and turn scenario (BENCH_DURATION_SECONDS, 5). */
  durationSeconds: number;
  /** Measured seconds per upload scenario: 3, or BENCH_DURATION_SECONDS when it is set. */
  uploadSeconds: number;
  /** Tasks of the throughput run (BENCH_TASKS, 2,000). */
  taskCount: number;
  /** Tasks of the latency run, one at a time (BENCH_TASK_SAMPLES, 200). */
  taskSamples: number;
  /** Inline items of the analysis group's measured run (BENCH_ANALYSIS_ITEMS, 1,000, at most 1,000). */
  analysisItems: number;
  /** Chunks of the searched agent (BENCH_RETRIEVAL_CHUNKS, 100,000). */
  retrievalChunks: number;
  /** Measured searches per retrieval scenario (BENCH_RETRIEVAL_SEARCHES, 500). */
  retrievalSearches: number;
  /** Memories of the memory group's organization (BENCH_MEMORIES, 100,000). */
  memoryCount: number;
  /** Measured recalls per memory scenario (BENCH_MEMORY_RECALLS, 500). */
  memoryRecalls: number;
}

/** Reads the BENCH_* variables; an invalid one ends the process with code 2 and says why. */
export function readBenchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const only = readOnly(env.BENCH_ONLY);
  const durationSeconds = readCount(env, 'BENCH_DURATION_SECONDS', 5);
  return {
    only,
    runAgents: !only || only === 'agents',
    runTurns: !only || only === 'turns',
    runTasks: !only || only === 'tasks',
    runAnalysis: !only || only === 'analysis',
    runKnowledge: !only || only === 'knowledge',
    runMemory: !only || only === 'memory',
    runTools: !only || only === 'tools',
    runOperations: !only || only === 'operations',
    durationSeconds,
    // Uploads are few and long: 3 s per scenario keeps the group short, unless a duration is asked for.
    uploadSeconds: env.BENCH_DURATION_SECONDS ? durationSeconds : 3,
    taskCount: readCount(env, 'BENCH_TASKS', 2_000),
    taskSamples: readCount(env, 'BENCH_TASK_SAMPLES', 200),
    analysisItems: readCount(env, 'BENCH_ANALYSIS_ITEMS', MAX_ANALYSIS_ITEMS, MAX_ANALYSIS_ITEMS),
    retrievalChunks: readCount(env, 'BENCH_RETRIEVAL_CHUNKS', 100_000),
    retrievalSearches: readCount(env, 'BENCH_RETRIEVAL_SEARCHES', 500),
    memoryCount: readCount(env, 'BENCH_MEMORIES', 100_000),
    memoryRecalls: readCount(env, 'BENCH_MEMORY_RECALLS', 500),
  };
}

function readOnly(value: string | undefined): BenchSettings['only'] {
  if (!value) return undefined;
  const group = GROUPS.find((name) => name === value);
  if (group) return group;
  console.error(`BENCH_ONLY must be one of ${GROUPS.join(', ')} (or unset for all), not ${value}`);
  process.exit(2);
}

function readCount(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  max = Number.POSITIVE_INFINITY,
): number {
  const value = env[name];
  const count = Number(value ?? fallback);
  if (!Number.isInteger(count) || count < 1 || count > max) {
    const range = Number.isFinite(max) ? `from 1 to ${max.toLocaleString('en-US')}` : '>= 1';
    console.error(`${name} must be a whole number ${range}, not ${value}`);
    process.exit(2);
  }
  return count;
}

/** Every Agentry setting is given, so the caller's environment cannot change what is measured. */
export function serverEnv(database: BenchDatabase, stub: StubEndpoint | undefined): ProcessEnv {
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
    // Uploads stream to DATA_DIR/tmp and are stored under DATA_DIR/files (the local blob store).
    STORAGE_TYPE: 'local',
    S3_BUCKET: '',
    S3_ENDPOINT: '',
    S3_ACCESS_KEY_ID: '',
    S3_SECRET_ACCESS_KEY: '',
    S3_SECRET_ACCESS_KEY_FILE: '',
    MAX_UPLOAD_BYTES: '',
    UPLOAD_SUSPICIOUS: '',
    FILE_EXTRACTION_TIMEOUT_SECONDS: '',
    FILE_EXTRACTION_MEMORY_MB: '',
    FILE_PROCESSING_CONCURRENCY: '',
    // As many task turns at once as the execute comparison's connections (docs/tasks.md).
    TASK_WORKER_CONCURRENCY: String(TASK_WORKERS),
    // The bench's tasks are one agent's: it may run as many at once as the workers.
    AGENT_MAX_CONCURRENCY: String(TASK_WORKERS),
    TASK_RETRY_BASE_DELAY_MS: '',
    TASK_RETRY_MAX_DELAY_MS: '',
    ...database.env,
  };
}
