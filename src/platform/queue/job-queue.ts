import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss, type QueueOptions } from 'pg-boss';
import type { DatabaseConnection, Executor } from '../db/database.ts';

/** A named queue and how its jobs retry, expire and die (DESIGN section 7b). */
export interface QueueDefinition {
  name: string;
  options: Pick<
    QueueOptions,
    'retryLimit' | 'retryDelay' | 'retryBackoff' | 'retryDelayMax' | 'expireInSeconds'
  >;
  /** Jobs that exhaust their retries land in `<name>-dead-letter` instead of vanishing. */
  deadLetter: boolean;
}

export interface QueuedJob<Data> {
  id: string;
  data: Data;
  /** Which attempt this is, from 0: a handler compares it with its row to ignore stale attempts. */
  attempt: number;
  /** Aborted when the queue stops or the job expires. */
  signal: AbortSignal;
}

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists if and only if the transaction commits. */
  tx?: Executor;
  /** 1 is the most urgent; pg-boss runs higher numbers first, so this is inverted when sent. */
  priority?: number;
  startAfter?: Date;
  /** At most one queued job per key. */
  singletonKey?: string;
}

export type JobHandler<Data> = (job: QueuedJob<Data>) => Promise<void>;

export interface JobQueue {
  define(definition: QueueDefinition): Promise<void>;
  send<Data extends object>(queue: string, data: Data, options?: SendOptions): Promise<string | null>;
  work<Data extends object>(
    queue: string,
    handler: JobHandler<Data>,
    options?: { concurrency?: number },
  ): Promise<void>;
  /** Sends a job to `queue` on a cron schedule (UTC); one job per occurrence across all processes. */
  schedule(queue: string, cron: string): Promise<void>;
  /** Stops taking jobs, waits up to `timeoutMs` for running ones, then closes. */
  stop(timeoutMs?: number): Promise<void>;
}

// Drizzle's transaction result type is generic over the driver; pg-boss only needs `execute`.
type DrizzleTransaction = Parameters<typeof fromDrizzle>[0];

/** A job id that never exists: looking it up only makes pg-boss cache the queue. */
const CACHE_WARMING_JOB_ID = '00000000-0000-0000-0000-000000000000';

export const deadLetterQueueOf = (queue: string) => `${queue}-dead-letter`;

/** Priority 1 (highest) .. 10 (lowest), as Agentry's API speaks, to pg-boss's larger-runs-first. */
const bossPriority = (priority: number) => 11 - priority;

/**
 * The job queue: pg-boss on the application's own database (PGlite or PostgreSQL), so there is
 * nothing else to run and a job can be enqueued in the same transaction as its row.
 */
export async function startJobQueue(
  connection: DatabaseConnection,
  options: { onError: (error: Error) => void; pollingIntervalSeconds?: number },
): Promise<JobQueue> {
  const boss =
    connection.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(connection.client), backend: 'pglite', schema: 'pgboss' })
      : new PgBoss({ connectionString: connection.url, max: connection.poolMax, schema: 'pgboss' });
  boss.on('error', options.onError);
  await boss.start();
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;

  return {
    async define({ name, options: queueOptions, deadLetter }) {
      if (deadLetter) {
        await boss.createQueue(deadLetterQueueOf(name), { retentionSeconds: 30 * 86_400 });
      }
      await boss.createQueue(name, {
        ...queueOptions,
        ...(deadLetter ? { deadLetter: deadLetterQueueOf(name) } : {}),
      });
      // pg-boss looks a queue up, and caches it, on its first send. Inside a transaction on PGlite
      // that lookup would wait on the outer connection for the transaction to end, forever; any
      // lookup by name fills the cache now, so a first transactional send needs none.
      await boss.getJobById(name, CACHE_WARMING_JOB_ID);
    },
    send(queue, data, { tx, priority, startAfter, singletonKey } = {}) {
      return boss.send(queue, data, {
        ...(tx ? { db: fromDrizzle(tx as unknown as DrizzleTransaction, sql) } : {}),
        ...(priority !== undefined ? { priority: bossPriority(priority) } : {}),
        ...(startAfter ? { startAfter } : {}),
        ...(singletonKey ? { singletonKey } : {}),
      });
    },
    async work(queue, handler, { concurrency = 1 } = {}) {
      await boss.work<object>(
        queue,
        { batchSize: 1, localConcurrency: concurrency, pollingIntervalSeconds },
        async ([job]) => {
          if (!job) return;
          await handler({ id: job.id, data: job.data as never, attempt: job.retryCount, signal: job.signal });
        },
      );
    },
    schedule: (queue, cron) => boss.schedule(queue, cron, null, { tz: 'UTC' }),
    stop: (timeoutMs = 10_000) => boss.stop({ graceful: true, timeout: timeoutMs, close: true }),
  };
}
