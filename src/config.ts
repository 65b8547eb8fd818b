import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const settingsSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
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
  TRUST_PROXY: booleanFromEnv.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every environment variable Agentry reads (documented in .env.example). */
export const settingNames = Object.keys(settingsSchema.shape);

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** Undefined on the embedded default: the server then keeps a generated secret in the data directory. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  allowRegistration: boolean;
  promptScreening: 'block' | 'warn' | 'off';
  historyRetentionDays: number;
  trustProxy: boolean;
  logLevel: z.infer<typeof settingsSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {}

/** Names of settings that may instead be read from a file named by `<NAME>_FILE`. */
const secretSettings = ['DATABASE_URL', 'JWT_SECRET'] as const;

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
    jwtSecret: settings.JWT_SECRET,
    accessTokenTtlSeconds: settings.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: settings.REFRESH_TOKEN_TTL_SECONDS,
    allowRegistration: settings.ALLOW_REGISTRATION,
    promptScreening: settings.PROMPT_SCREENING,
    historyRetentionDays: settings.HISTORY_RETENTION_DAYS,
    trustProxy: settings.TRUST_PROXY,
    logLevel: settings.LOG_LEVEL,
  };
}
