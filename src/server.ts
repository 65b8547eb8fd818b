import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { type AgentryModule, buildApp } from './app.ts';
import { type Config, ConfigError } from './config.ts';
import { serveBackupRequests } from './modules/backups/index.ts';
import { acquireProcessLease, type ProcessLease } from './modules/ops/process-lease.ts';
import { readOrCreateLocalSecret } from './platform/crypto/local-secret.ts';
import { deriveKeyFromLocalSecret, parseSecretKey } from './platform/crypto/secret-box.ts';
import { type DataDirectoryLock, lockDataDirectory } from './platform/db/data-dir-lock.ts';
import type { DatabaseHandle } from './platform/db/database.ts';
import { type OpenedDatabase, openDatabase } from './platform/db/open-database.ts';
import { startEventBus } from './platform/events/event-bus.ts';
import { processLogger } from './platform/observability/logger.ts';
import { createMetrics } from './platform/observability/metrics.ts';
import { withJobMetrics } from './platform/observability/metrics-jobs.ts';
import { type MetricsListener, startMetricsListener } from './platform/observability/metrics-listener.ts';
import { type JobQueue, startJobQueue } from './platform/queue/job-queue.ts';
import { createJobRegistry } from './platform/queue/job-registry.ts';

export interface ConfiguredDatabase extends OpenedDatabase {
  /** The embedded database's hold on DATA_DIR (null on PostgreSQL), released when it closes. */
  dataDirectoryLock: DataDirectoryLock | null;
}

/**
 * PostgreSQL when DATABASE_URL is set; otherwise the embedded, file-backed PGlite under DATA_DIR,
 * which one process at a time may open: the data directory's lock is taken first
 * (`DataDirectoryInUseError` when another process holds it).
 */
export async function openConfiguredDatabase(
  config: Config,
  onPoolError?: (error: Error) => void,
): Promise<ConfiguredDatabase> {
  if (config.databaseUrl) {
    const database = await openDatabase({
      kind: 'postgres',
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
      onPoolError,
    });
    return { ...database, dataDirectoryLock: null };
  }
  const lock = await lockDataDirectory(config.dataDir);
  try {
    const database = await openDatabase({ kind: 'pglite', directory: join(config.dataDir, 'db') });
    return { ...database, dataDirectoryLock: lock, close: () => database.close().finally(lock.release) };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function jwtSecretFor(config: Config): string {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.databaseUrl) {
    throw new ConfigError(
      'JWT_SECRET (or JWT_SECRET_FILE) is required with DATABASE_URL: every process must share it',
    );
  }
  return readOrCreateLocalSecret(config.dataDir, 'jwt-secret');
}

/** The key that encrypts secrets at rest: explicit, or derived from a generated local secret. */
export function secretKeyFor(config: Config): Buffer {
  if (config.secretKey) return parseSecretKey(config.secretKey);
  if (config.databaseUrl) {
    throw new ConfigError(
      'AGENTRY_SECRET_KEY (or AGENTRY_SECRET_KEY_FILE) is required with DATABASE_URL: every process must ' +
        'share it to read the provider keys the others stored (generate one with `openssl rand -hex 32`)',
    );
  }
  return deriveKeyFromLocalSecret(readOrCreateLocalSecret(config.dataDir, 'secret-key'));
}

/** How long turns cancelled at the end of a shutdown's grace period have to answer their callers. */
const ANSWER_AFTER_CUT_OFF_MS = 1_000;

/** What a process runs: everything (the default), only the API, or only the workers. */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface AgentryOptions {
  config: Config;
  database: DatabaseHandle;
  jwtSecret: string;
  /** Encrypts secrets at rest; `secretKeyFor` resolves it from the configuration. */
  secretKey: Buffer;
  role: ProcessRole;
  logStream?: DestinationStream;
  /** Last additions before the API listens (the benchmark's no-op ceiling route). */
  extend?: (app: FastifyInstance) => void;
  /** Modules beyond the built-in ones (see `AgentryModule`). */
  modules?: AgentryModule[];
}

export interface RunningAgentry {
  app: FastifyInstance;
  queue: JobQueue;
  /** Where the API listens; null for a worker-only process. */
  url: string | null;
  /** The port of the SMTP listener of email channels; null when it does not run. */
  smtpPort: number | null;
  /** Where the metrics listener (METRICS_PORT) serves `/metrics`; null when it does not run. */
  metricsUrl: string | null;
  /**
   * Stops gracefully and leaves the database open for the caller to close: the API stops accepting
   * and closes idle connections and event streams, while in-flight requests and running jobs go on
   * for up to SHUTDOWN_GRACE_SECONDS; then turns still running end `cancelled` (code `shutdown`) and
   * jobs still running are handed back to the queue.
   */
  stop(): Promise<void>;
}

/**
 * Assembles Agentry on an open, migrated database: the job queue, the event bus, the modules, and — by role —
 * the HTTP API and the queue workers. A worker-only process assembles the same modules and never
 * listens, so both topologies run the very same code.
 */
export async function startAgentry({
  config,
  database,
  jwtSecret,
  secretKey,
  role,
  logStream,
  extend,
  modules,
}: AgentryOptions): Promise<RunningAgentry> {
  // Until the app (and its logger) exists, errors are logged by a logger with the same options.
  const startLog = processLogger(config.logLevel, logStream);
  let reportError = (error: Error, source: string) => startLog.error({ err: error }, source);
  const queue = await startJobQueue(database.connection, {
    onError: (error) => reportError(error, 'job queue error'),
  });
  const events = await startEventBus(database.connection, database.db, {
    onError: (error) => reportError(error, 'event bus error'),
  });
  let lease: ProcessLease | undefined;
  const shutdown = new AbortController();
  try {
    lease = await acquireProcessLease(database.db, {
      role,
      recoverySeconds: config.runRecoverySeconds,
      onError: (error) => reportError(error as Error, 'process lease error'),
    });
    const jobs = createJobRegistry();
    const metrics = createMetrics();
    const app = await buildApp({
      config,
      database,
      jwtSecret,
      secretKey,
      queue,
      jobs,
      events,
      lease,
      shutdown: shutdown.signal,
      metrics,
      ...(logStream ? { logStream } : {}),
      ...(modules ? { modules } : {}),
    });
    reportError = (error, source) => app.log.error({ err: error }, source);
    lease.start();
    await jobs.defineAll(queue);
    if (role !== 'api') await jobs.startWorkers(withJobMetrics(queue, metrics));
    extend?.(app);
    const url = role === 'worker' ? null : await app.listen({ host: config.host, port: config.port });
    let smtpPort: number | null = null;
    let metricsListener: MetricsListener | null = null;
    try {
      smtpPort = role === 'worker' ? null : await app.mailListener.start();
      // Every role: a worker-only process is scraped there, having no API.
      const { port: metricsPort, host: metricsHost } = config.metrics;
      if (metricsPort !== null) {
        metricsListener = await startMetricsListener(metrics, { host: metricsHost, port: metricsPort });
      }
    } catch (error) {
      // A configured mail or metrics listener that cannot start (its port taken) stops the start-up.
      await app.close();
      throw error;
    }
    const drain = async () => {
      const graceMs = config.shutdownGraceSeconds * 1000;
      // At the deadline, turns still running are cancelled and answer at once; a moment later
      // whatever connection is still open (a client that vanished without its close being seen)
      // is closed, so that the shutdown always ends.
      let closeConnections: NodeJS.Timeout | undefined;
      const cutOff = setTimeout(() => {
        shutdown.abort();
        closeConnections = setTimeout(() => app.server.closeAllConnections(), ANSWER_AFTER_CUT_OFF_MS);
      }, graceMs);
      try {
        // Requests and jobs drain side by side; jobs may still be sent until the requests are done.
        const drained = await Promise.allSettled([app.close(), queue.stopWorkers(graceMs)]);
        for (const outcome of drained) if (outcome.status === 'rejected') throw outcome.reason;
      } finally {
        clearTimeout(cutOff);
        clearTimeout(closeConnections);
        await queue
          .stop()
          .finally(() => lease?.release())
          .finally(() => events.close())
          .finally(() => metricsListener?.close());
      }
    };
    let stopping: Promise<void> | undefined;
    return {
      app,
      queue,
      url,
      smtpPort,
      metricsUrl: metricsListener?.url ?? null,
      stop: () => {
        stopping ??= drain();
        return stopping;
      },
    };
  } catch (error) {
    await queue.stop();
    await lease?.release();
    await events.close();
    throw error;
  }
}

/** Opens and migrates the configured database, then runs Agentry in the given role until stopped. */
export async function startServer(config: Config, role: ProcessRole): Promise<RunningAgentry> {
  const jwtSecret = jwtSecretFor(config);
  const secretKey = secretKeyFor(config);
  const poolLog = processLogger(config.logLevel);
  const database = await openConfiguredDatabase(config, (error) =>
    poolLog.error({ err: error }, 'database pool error'),
  );
  try {
    await database.migrate();
    const running = await startAgentry({ config, database, jwtSecret, secretKey, role });
    if (running.url) database.dataDirectoryLock?.recordPort(Number(new URL(running.url).port));
    // Only this process can read the embedded database: `agentry backup` asks it through a socket.
    const operatorSocket = database.dataDirectoryLock
      ? await serveBackupRequests(config, database.connection, secretKey, running.app.log)
      : null;
    const stop = async () => {
      await operatorSocket?.close();
      await running.stop().finally(() => database.close());
    };
    return { ...running, stop };
  } catch (error) {
    await database.close();
    throw error;
  }
}
