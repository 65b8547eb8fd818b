/**
 * Timing helpers of the benchmarks that run Agentry in the runner's process (memory, tools): calls
 * one at a time, their rate and percentiles, and rows of a table next to a ceiling.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import type { Database } from '../src/platform/db/database.ts';
import { openDatabase } from '../src/platform/db/open-database.ts';
import type { TenantScope } from '../src/platform/db/tenant-scope.ts';
import { secretKeyFor, startAgentry } from '../src/server.ts';
import { callJson } from './api.ts';
import type { BenchDatabase } from './databases.ts';
import { percentile } from './load.ts';
import { formatMs, formatRate, formatTimes } from './table.ts';

export interface Timing {
  key: string;
  label: string;
  count: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export function summarize(key: string, label: string, durations: number[], elapsedMs: number): Timing {
  const sorted = Float64Array.from(durations).sort();
  return {
    key,
    label,
    count: durations.length,
    perSecond: (durations.length / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
  };
}

export async function timeCalls(
  key: string,
  label: string,
  count: number,
  call: (index: number) => Promise<unknown>,
) {
  for (let index = 0; index < Math.ceil(count / 10); index += 1) await call(index);
  const durations: number[] = [];
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    const start = performance.now();
    await call(index);
    durations.push(performance.now() - start);
  }
  return summarize(key, label, durations, performance.now() - started);
}

export async function timeFor(key: string, label: string, seconds: number, call: () => Promise<unknown>) {
  const warmUntil = performance.now() + 1_000;
  while (performance.now() < warmUntil) await call();
  const durations: number[] = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const start = performance.now();
    await call();
    durations.push(performance.now() - start);
  }
  return summarize(key, label, durations, performance.now() - started);
}

/** JSON over HTTP to the server: its body; anything but a 2xx throws. */
export function clientAt(baseUrl: string) {
  return async (method: string, path: string, token?: string, body?: unknown): Promise<any> =>
    (await callJson(baseUrl, method, path, token, body)).json;
}
export type Client = ReturnType<typeof clientAt>;

/** The header of a table of timings next to a ceiling. */
export const TIMING_HEADER = [
  'scenario',
  'per s',
  'vs ceiling',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'p50 vs ceiling',
  'p99 vs ceiling',
];

/** Table rows of `timings`, each next to `ceiling` but those in `skip`. */
export function timingRows(timings: Timing[], ceiling: Timing | undefined, skip: string[] = []) {
  return timings.map((timing) => {
    const base = skip.includes(timing.key) ? undefined : ceiling;
    return [
      timing.label,
      formatRate(timing.perSecond),
      base ? formatTimes(timing.perSecond / base.perSecond) : '',
      formatMs(timing.p50Ms),
      formatMs(timing.p95Ms),
      formatMs(timing.p99Ms),
      base ? formatTimes(timing.p50Ms / base.p50Ms) : '',
      base ? formatTimes(timing.p99Ms / base.p99Ms) : '',
    ];
  });
}

/**
 * Opens `database` (fresh), runs Agentry on it in this process with the bench's settings and
 * `env` over them, and hands `work` a client of it, the database and its base URL.
 */
export async function withAgentryInProcess<T>(
  database: BenchDatabase,
  env: Record<string, string>,
  work: (call: Client, db: Database, baseUrl: string) => Promise<T>,
): Promise<T> {
  const opened = await openDatabase(database.target);
  const dataDir = await mkdtemp(join(tmpdir(), 'agentry-bench-'));
  try {
    await opened.migrate();
    const config = loadConfig({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      JWT_SECRET: randomBytes(32).toString('hex'),
      AGENTRY_SECRET_KEY: randomBytes(32).toString('hex'),
      RATE_LIMIT_ENABLED: 'false',
      // The bench's own work runs on this process's event loop: its delay says nothing of the server's load.
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      ...env,
    });
    const running = await startAgentry({
      config,
      database: opened,
      jwtSecret: config.jwtSecret as string,
      secretKey: secretKeyFor(config),
      role: 'all',
    });
    try {
      const baseUrl = running.url as string;
      return await work(clientAt(baseUrl), opened.db, baseUrl);
    } finally {
      await running.stop();
    }
  } finally {
    await opened.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Registers a new account; returns its token and organization. */
export async function registerAccount(call: Client, name: string) {
  const body = await call('POST', '/api/v1/auth/register', undefined, {
    email: `${name}-${randomBytes(6).toString('hex')}@example.com`,
    password: `Bench-${randomBytes(6).toString('hex')}`,
    full_name: name,
  });
  return {
    token: body.access_token as string,
    scope: { organizationId: body.organization.id } as TenantScope,
  };
}
