import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { allowlist, booleanFromEnv, endpointUrl, isSecretKey, modelPrices } from './config-values.ts';
import {
  type LimitSettings,
  limitSettingsFrom,
  organizationTiers,
  perTierSetting,
} from './modules/limits/limit-settings.ts';
import { DEFAULT_CONNECT_TIMEOUT_SECONDS } from './platform/db/database.ts';
import { corsOriginsSetting } from './platform/http/cors.ts';
import { otlpHeadersSetting, type TracingSettings } from './platform/observability/tracing.ts';

const settingsSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(300)
    .default(DEFAULT_CONNECT_TIMEOUT_SECONDS),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 86_400),
  ALLOW_REGISTRATION: booleanFromEnv.default(true),
  PROMPT_SCREENING: z.enum(['block', 'warn', 'off']).default('block'),
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(90),
  BACKUP_CRON: z
    .string()
    .trim()
    .regex(/^(off|\S+(\s+\S+){4,5})$/, 'BACKUP_CRON must be a cron expression (5 fields, UTC) or off')
    .optional(),
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_RETENTION_COUNT: z.coerce.number().int().min(1).max(1000).default(7),
  TRUST_PROXY: booleanFromEnv.default(false),
  CORS_ORIGINS: corsOriginsSetting,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // OpenTelemetry traces (docs/tracing.md): exported only when the endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeadersSetting,
  OTEL_SERVICE_NAME: z.string().min(1).default('agentry'),
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).max(600_000).default(5_000),
  AGENTRY_SECRET_KEY: z
    .string()
    .refine(
      isSecretKey,
      'AGENTRY_SECRET_KEY must be 32 bytes written as 64 hex characters or as base64 (openssl rand -hex 32)',
    )
    .optional(),
  OUTBOUND_ALLOWLIST: allowlist,
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: endpointUrl.optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: endpointUrl.optional(),
  OLLAMA_BASE_URL: endpointUrl.optional(),
  OPERATOR_PROVIDERS_SHARED: booleanFromEnv.default(true),
  PROVIDER_VALIDATION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  LLM_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  LLM_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  LLM_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(8_000),
  LLM_CALL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  LLM_BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  LLM_BREAKER_RECOVERY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  MODEL_PRICES: modelPrices,
  // Tools and MCP (docs/tools.md, docs/mcp.md).
  TOOL_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(2),
  TOOL_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  TOOL_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(2_000),
  TOOL_CALL_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  TOOL_BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  TOOL_BREAKER_RECOVERY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  TOOL_RESULT_MAX_BYTES: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
  MCP_STDIO_ALLOWED_COMMANDS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  MCP_HEALTH_CHECK_CRON: z.string().trim().min(1).default('*/5 * * * *'),
  MCP_ENDPOINT_ENABLED: booleanFromEnv.default(true),
  RUN_RECOVERY_SECONDS: z.coerce.number().int().min(2).max(3_600).default(60),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(20),
  // Prometheus metrics (docs/metrics.md).
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // The web console at / (docs/console.md).
  CONSOLE_ENABLED: booleanFromEnv.default(true),
  CONSOLE_DIR: z.string().min(1).optional(),
  AGENT_ALERT_ERROR_RATE: z.coerce.number().min(0).max(1).default(0.1),
  AGENT_ALERT_RESPONSE_TIME_MS: z.coerce.number().int().min(1).max(3_600_000).default(5_000),
  AGENT_ALERT_QUEUE_DEPTH: z.coerce.number().int().min(1).max(1_000_000).default(100),
  AGENT_ALERT_AVAILABILITY: z.coerce.number().min(0).max(100).default(95),
  // Agent kinds (docs/agent-kinds.md).
  AGENT_REGISTRY_MODULES: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
  AGENT_REGISTRY_ON_ERROR: z.enum(['fail', 'skip']).default('fail'),
  // Limits (docs/limits.md).
  RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
  RATE_LIMIT_READS_PER_MINUTE: perTierSetting('free=60,pro=300,enterprise=1200'),
  RATE_LIMIT_WRITES_PER_MINUTE: perTierSetting('free=10,pro=50,enterprise=200'),
  RATE_LIMIT_EXECUTION_PER_MINUTE: perTierSetting('free=10,pro=50,enterprise=200'),
  RATE_LIMIT_UPLOADS_PER_MINUTE: perTierSetting('free=20,pro=100,enterprise=400'),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(10).max(10_000).default(200),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  DEFAULT_ORGANIZATION_TIER: z.enum(organizationTiers).default('free'),
  CONCURRENT_TURNS_PER_ORGANIZATION: perTierSetting('free=5,pro=20,enterprise=100'),
  EVENT_STREAMS_PER_ORGANIZATION: perTierSetting('free=10,pro=50,enterprise=200'),
  LOGIN_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(5),
  LOGIN_LOCKOUT_BASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  LOGIN_ADDRESS_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_ACCOUNT_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100_000).default(50),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  OVERLOAD_MAX_CONCURRENT_TURNS: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  // Knowledge files (docs/knowledge.md).
  STORAGE_TYPE: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: z.string().min(1).optional(),
  S3_ENDPOINT: endpointUrl.optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanFromEnv.optional(),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 ** 3)
    .default(50 * 1024 * 1024),
  AGENT_FILE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(20),
  UPLOAD_SUSPICIOUS: z.enum(['flag', 'reject']).default('flag'),
  FILE_EXTRACTION_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  FILE_EXTRACTION_MEMORY_MB: z.coerce.number().int().min(32).max(16_384).default(256),
  FILE_PROCESSING_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  // Shared contexts (docs/contexts.md).
  AGENT_CONTEXT_HISTORY_LIMIT: z.coerce.number().int().min(1).max(100_000).default(50),
  // Autonomous tasks (docs/tasks.md).
  TASK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  AGENT_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(8),
  TASK_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(0).max(3_600_000).default(2_000),
  TASK_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  // Channels (docs/channels.md).
  EMAIL_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  EMAIL_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  EMAIL_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 ** 3)
    .default(10 * 1024 * 1024),
});

/** Every environment variable Agentry reads (documented in .env.example). */
export const settingNames = Object.keys(settingsSchema.shape);

/** An LLM provider the operator configured through settings; its key never leaves the config. */
export interface OperatorProviderSetting {
  type: 'openai' | 'anthropic' | 'ollama';
  /** Null means the type's public default. */
  baseUrl: string | null;
  apiKey: string | null;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** A query fails (503) when no PostgreSQL connection can be had within this time. */
  databaseConnectTimeoutSeconds: number;
  /** Undefined on the embedded default: the server then keeps a generated secret in the data directory. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  allowRegistration: boolean;
  promptScreening: 'block' | 'warn' | 'off';
  historyRetentionDays: number;
  trustProxy: boolean;
  /** Origins whose browser pages may call the API (`*` for any); empty sends no CORS headers. */
  corsOrigins: string[];
  /** Whether `/` serves the web console's built files. */
  consoleEnabled: boolean;
  /** Where the console's built files are; null for the build of `npm install` (console/dist). */
  consoleDirectory: string | null;
  logLevel: z.infer<typeof settingsSchema>['LOG_LEVEL'];
  /** OpenTelemetry traces over OTLP/HTTP; `endpoint` null: none. */
  tracing: TracingSettings;
  /**
   * Encrypts provider keys at rest (checked to be 32 bytes). Undefined on the embedded default:
   * the server then derives one from a secret kept in the data directory.
   */
  secretKey: string | undefined;
  /** Hosts, addresses and networks the outbound guard lets through although they are not public. */
  outboundAllowlist: string[];
  /** In the order they are offered: openai, anthropic, ollama; only the configured ones. */
  operatorProviders: OperatorProviderSetting[];
  /** Whether organizations may see and use the operator providers. */
  operatorProvidersShared: boolean;
  providerValidationTimeoutSeconds: number;
  /** Retries, per-call timeout and circuit breaker of every model call. */
  llmResilience: {
    retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
    callTimeoutMs: number;
    breaker: { failureThreshold: number; recoveryTimeoutMs: number };
  };
  /** Tools and MCP servers: defaults of their services' retries, timeouts and breakers, and limits. */
  tools: {
    resilience: {
      retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
      callTimeoutMs: number;
      breaker: { failureThreshold: number; recoveryTimeoutMs: number };
    };
    /** A tool's result is cut to this many bytes (of JSON) before the model and the run log see it. */
    resultMaxBytes: number;
    /** Commands an MCP server with the stdio transport may run; none by default (stdio is off). */
    mcpStdioAllowedCommands: string[];
    /** When the MCP servers' periodic health checks run (cron, UTC). */
    mcpHealthCheckCron: string;
    /** Whether Agentry serves its agents as an MCP server at /mcp. */
    mcpEndpointEnabled: boolean;
  };
  /** USD per million tokens, per model id; entries over the built-in price table. */
  modelPrices: Record<string, { input: number; output: number }>;
  /** A dead process's turns end `abandoned` within this many seconds (process leases). */
  runRecoverySeconds: number;
  /** After SIGTERM, turns and jobs still running this long are cancelled (turns) or handed back (jobs). */
  shutdownGraceSeconds: number;
  /**
   * Prometheus metrics (docs/metrics.md): `token` serves GET /metrics on the API's port to that
   * bearer token (null: not there); `port` starts a listener of its own without a token (null: none).
   */
  metrics: { token: string | null; port: number | null; host: string };
  /** Past these, the health monitor raises `agent-alert` (docs/monitoring.md). */
  agentAlertThresholds: {
    /** Share of the last hour's runs that failed, 0-1. */
    errorRate: number;
    responseTimeMs: number;
    queueDepth: number;
    /** Below this percentage. */
    availabilityPercentage: number;
  };
  /** Agent kinds beyond the built-in ones (docs/agent-kinds.md). */
  agentKinds: {
    /** Module specifiers or paths (from the working directory), each exporting `registerAgentKinds`. */
    modules: string[];
    /** A module that cannot be loaded stops the start (`fail`) or is left out (`skip`); reported either way. */
    onError: 'fail' | 'skip';
  };
  /** Rate limits, sign-in locks, caps and overload protection (docs/limits.md). */
  limits: LimitSettings;
  /** Where uploaded files' bytes live: `DATA_DIR/files`, or an S3-compatible bucket. */
  storage: StorageSettings;
  /** Scheduled backups (docs/backups.md): when (cron, UTC; null: never), where, and how many are kept. */
  backups: { cron: string | null; directory: string; retentionCount: number };
  /** Uploads, attachments and extraction (docs/knowledge.md). */
  knowledge: {
    maxUploadBytes: number;
    agentFileLimit: number;
    /** What an upload with suspicious content (`<script`, `eval(`, ...) gets: flagged, or refused. */
    suspiciousContent: 'flag' | 'reject';
    extraction: { timeoutMs: number; memoryMb: number; concurrency: number };
  };
  /** Shared contexts (docs/contexts.md): versions retained per context, the current one always. */
  contexts: { historyLimit: number };
  /** Autonomous tasks (docs/tasks.md). */
  tasks: {
    workerConcurrency: number;
    /** Tasks of one agent running at once, across all processes. */
    agentMaxConcurrency: number;
    retry: { baseDelayMs: number; maxDelayMs: number };
  };
  /** The SMTP listener that turns mail into tasks of email channels (docs/channels.md). */
  email: {
    /** Null when no listener runs; 0 for a random port. */
    smtpPort: number | null;
    smtpHost: string;
    /** Larger messages are refused with 552. */
    maxMessageBytes: number;
  };
}

export type StorageSettings =
  | { type: 'local'; directory: string }
  | {
      type: 's3';
      bucket: string;
      /** Null for AWS itself; an S3-compatible service's URL otherwise. */
      endpoint: string | null;
      region: string;
      /** Null to use the SDK's default credential chain (environment, instance role, ...). */
      credentials: { accessKeyId: string; secretAccessKey: string } | null;
      forcePathStyle: boolean;
    };

export class ConfigError extends Error {}

/** Names of settings that may instead be read from a file named by `<NAME>_FILE`. */
const secretSettings = [
  'DATABASE_URL',
  'JWT_SECRET',
  'AGENTRY_SECRET_KEY',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'REDIS_URL',
  'S3_SECRET_ACCESS_KEY',
  'METRICS_TOKEN',
] as const;

function withSecretFiles(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of secretSettings) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new ConfigError(`Set either ${name} or ${name}_FILE, not both`);
    try {
      merged[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${(error as Error).message})`);
    }
  }
  for (const [key, value] of Object.entries(merged)) if (value === '') merged[key] = undefined;
  return merged;
}

/** Reads and validates every setting once; the only reader of process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = settingsSchema.safeParse(withSecretFiles(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const settings = parsed.data;
  return {
    host: settings.HOST,
    port: settings.PORT,
    dataDir: resolve(settings.DATA_DIR),
    databaseUrl: settings.DATABASE_URL,
    databasePoolMax: settings.DATABASE_POOL_MAX,
    databaseConnectTimeoutSeconds: settings.DATABASE_CONNECT_TIMEOUT_SECONDS,
    jwtSecret: settings.JWT_SECRET,
    accessTokenTtlSeconds: settings.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: settings.REFRESH_TOKEN_TTL_SECONDS,
    allowRegistration: settings.ALLOW_REGISTRATION,
    promptScreening: settings.PROMPT_SCREENING,
    historyRetentionDays: settings.HISTORY_RETENTION_DAYS,
    trustProxy: settings.TRUST_PROXY,
    corsOrigins: settings.CORS_ORIGINS,
    consoleEnabled: settings.CONSOLE_ENABLED,
    consoleDirectory: settings.CONSOLE_DIR ?? null,
    logLevel: settings.LOG_LEVEL,
    tracing: {
      endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
      headers: settings.OTEL_EXPORTER_OTLP_HEADERS,
      serviceName: settings.OTEL_SERVICE_NAME,
      scheduleDelayMs: settings.OTEL_BSP_SCHEDULE_DELAY,
    },
    secretKey: settings.AGENTRY_SECRET_KEY,
    outboundAllowlist: settings.OUTBOUND_ALLOWLIST,
    operatorProviders: operatorProvidersFrom(settings),
    operatorProvidersShared: settings.OPERATOR_PROVIDERS_SHARED,
    providerValidationTimeoutSeconds: settings.PROVIDER_VALIDATION_TIMEOUT_SECONDS,
    llmResilience: {
      retry: {
        maxAttempts: settings.LLM_RETRY_MAX_ATTEMPTS,
        baseDelayMs: settings.LLM_RETRY_BASE_DELAY_MS,
        maxDelayMs: settings.LLM_RETRY_MAX_DELAY_MS,
      },
      callTimeoutMs: settings.LLM_CALL_TIMEOUT_SECONDS * 1000,
      breaker: {
        failureThreshold: settings.LLM_BREAKER_FAILURE_THRESHOLD,
        recoveryTimeoutMs: settings.LLM_BREAKER_RECOVERY_SECONDS * 1000,
      },
    },
    tools: {
      resilience: {
        retry: {
          maxAttempts: settings.TOOL_RETRY_MAX_ATTEMPTS,
          baseDelayMs: settings.TOOL_RETRY_BASE_DELAY_MS,
          maxDelayMs: settings.TOOL_RETRY_MAX_DELAY_MS,
        },
        callTimeoutMs: settings.TOOL_CALL_TIMEOUT_SECONDS * 1000,
        breaker: {
          failureThreshold: settings.TOOL_BREAKER_FAILURE_THRESHOLD,
          recoveryTimeoutMs: settings.TOOL_BREAKER_RECOVERY_SECONDS * 1000,
        },
      },
      resultMaxBytes: settings.TOOL_RESULT_MAX_BYTES,
      mcpStdioAllowedCommands: settings.MCP_STDIO_ALLOWED_COMMANDS,
      mcpHealthCheckCron: settings.MCP_HEALTH_CHECK_CRON,
      mcpEndpointEnabled: settings.MCP_ENDPOINT_ENABLED,
    },
    modelPrices: settings.MODEL_PRICES,
    runRecoverySeconds: settings.RUN_RECOVERY_SECONDS,
    shutdownGraceSeconds: settings.SHUTDOWN_GRACE_SECONDS,
    metrics: {
      token: settings.METRICS_TOKEN ?? null,
      port: settings.METRICS_PORT ?? null,
      host: settings.METRICS_HOST,
    },
    agentAlertThresholds: {
      errorRate: settings.AGENT_ALERT_ERROR_RATE,
      responseTimeMs: settings.AGENT_ALERT_RESPONSE_TIME_MS,
      queueDepth: settings.AGENT_ALERT_QUEUE_DEPTH,
      availabilityPercentage: settings.AGENT_ALERT_AVAILABILITY,
    },
    agentKinds: { modules: settings.AGENT_REGISTRY_MODULES, onError: settings.AGENT_REGISTRY_ON_ERROR },
    limits: limitSettingsFrom(settings),
    storage: storageFrom(settings, resolve(settings.DATA_DIR)),
    backups: backupsFrom(settings),
    knowledge: {
      maxUploadBytes: settings.MAX_UPLOAD_BYTES,
      agentFileLimit: settings.AGENT_FILE_LIMIT,
      suspiciousContent: settings.UPLOAD_SUSPICIOUS,
      extraction: {
        timeoutMs: settings.FILE_EXTRACTION_TIMEOUT_SECONDS * 1000,
        memoryMb: settings.FILE_EXTRACTION_MEMORY_MB,
        concurrency: settings.FILE_PROCESSING_CONCURRENCY,
      },
    },
    contexts: { historyLimit: settings.AGENT_CONTEXT_HISTORY_LIMIT },
    tasks: {
      workerConcurrency: settings.TASK_WORKER_CONCURRENCY,
      agentMaxConcurrency: settings.AGENT_MAX_CONCURRENCY,
      retry: { baseDelayMs: settings.TASK_RETRY_BASE_DELAY_MS, maxDelayMs: settings.TASK_RETRY_MAX_DELAY_MS },
    },
    email: {
      smtpPort: settings.EMAIL_SMTP_PORT ?? null,
      smtpHost: settings.EMAIL_SMTP_HOST,
      maxMessageBytes: settings.EMAIL_MAX_MESSAGE_BYTES,
    },
  };
}

/**
 * Daily at 02:00 UTC by default on the embedded database (seed 000), which nothing else backs up;
 * off by default on PostgreSQL, whose operators usually back it up with the database's own tools.
 */
function backupsFrom(settings: z.infer<typeof settingsSchema>): Config['backups'] {
  const cron = settings.BACKUP_CRON ?? (settings.DATABASE_URL ? 'off' : '0 2 * * *');
  return {
    cron: cron === 'off' ? null : cron,
    directory: resolve(settings.BACKUP_DIR ?? join(settings.DATA_DIR, 'backups')),
    retentionCount: settings.BACKUP_RETENTION_COUNT,
  };
}

function storageFrom(settings: z.infer<typeof settingsSchema>, dataDir: string): StorageSettings {
  if (settings.STORAGE_TYPE === 'local') return { type: 'local', directory: join(dataDir, 'files') };
  if (!settings.S3_BUCKET)
    throw new ConfigError('Invalid configuration:\n  S3_BUCKET: required when STORAGE_TYPE=s3');
  const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = settings;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError(
      'Invalid configuration:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither to use the default credential chain',
    );
  }
  return {
    type: 's3',
    bucket: settings.S3_BUCKET,
    endpoint: settings.S3_ENDPOINT ?? null,
    region: settings.S3_REGION,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : null,
    // S3-compatible services (MinIO, s3rver, Ceph) mostly address buckets by path.
    forcePathStyle: settings.S3_FORCE_PATH_STYLE ?? settings.S3_ENDPOINT !== undefined,
  };
}

/** A provider type counts as configured when its key or its URL is set. */
function operatorProvidersFrom(settings: z.infer<typeof settingsSchema>): OperatorProviderSetting[] {
  const candidates: OperatorProviderSetting[] = [
    { type: 'openai', baseUrl: settings.OPENAI_BASE_URL ?? null, apiKey: settings.OPENAI_API_KEY ?? null },
    {
      type: 'anthropic',
      baseUrl: settings.ANTHROPIC_BASE_URL ?? null,
      apiKey: settings.ANTHROPIC_API_KEY ?? null,
    },
    { type: 'ollama', baseUrl: settings.OLLAMA_BASE_URL ?? null, apiKey: null },
  ];
  return candidates.filter((candidate) => candidate.baseUrl !== null || candidate.apiKey !== null);
}
