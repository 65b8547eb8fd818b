import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss, type QueueOptions } from 'pg-boss';
import type { DatabaseConnection, Executor } from '../db/database.ts';
import { runJobInContext, withJobContext } from '../observability/tracing-propagation.ts';

/**
 * A running job's worker renews its heartbeat every half of this; a job whose heartbeat is older
 * (its worker was killed, or lost the database) is failed and retried. pg-boss's minimum is 10.
 */
export const DEFAULT_HEARTBEAT_SECONDS = 10;
/**
 * How often pg-boss looks for jobs past their heartbeat or expiry (its default is 60 s): a killed
 * worker's job is retried within the heartbeat plus this (plus the queue's retry delay).
 */
const SUPERVISE_INTERVAL_SECONDS = 5;

/** A named queue and how its jobs retry, expire and die (DESIGN section 7b). */
export interface QueueDefinition {
  name: string;
  /** `heartbeatSeconds` is DEFAULT_HEARTBEAT_SECONDS unless set. */
  /**
   * `notify`: a job sent to the queue wakes its workers at once (LISTEN/NOTIFY, committed with the
   * job) instead of waiting for their next poll: for queues whose latency users see.
   */
  options: Pick<
    QueueOptions,
    'retryLimit' | 'retryDelay' | 'retryBackoff' | 'retryDelayMax' | 'expireInSeconds' | 'heartbeatSeconds'
  > & { notify?: boolean };
  /** Jobs that exhaust their retries land in `<name>-dead-letter` instead of vanishing. */
  deadLetter: boolean;
  /**
   * `exclusive`: at most one job per `singletonKey` is queued or running at a time, and a send
   * while there is one returns null. Fixed when the queue is first created; `standard` by default.
   */
  policy?: 'standard' | 'exclusive';
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
  /** The job's group (e.g. its agent), for the queue's per-group concurrency (`work`). */
  group?: string;
}

export type JobHandler<Data> = (job: QueuedJob<Data>) => Promise<void>;

export interface JobQueue {
  define(definition: QueueDefinition): Promise<void>;
  send<Data extends object>(queue: string, data: Data, options?: SendOptions): Promise<string | null>;
  /**
   * `concurrency`: jobs at once in this process. `groupConcurrency`: jobs of one group at once
   * across all processes, as far as fetching goes (pg-boss counts active jobs without a lock, so
   * two workers fetching at the same moment may both take a group's last slot: a handler that
   * must never exceed it checks again).
   */
  work<Data extends object>(
    queue: string,
    handler: JobHandler<Data>,
    options?: { concurrency?: number; groupConcurrency?: number },
  ): Promise<void>;
  /** Sends a job to `queue` on a cron schedule (UTC); one job per occurrence across all processes. */
  schedule(queue: string, cron: string): Promise<void>;
  /**
   * The queue's jobs waiting (ready or deferred) and running, as pg-boss last counted them (its
   * maintenance refreshes the counts); null for a queue that does not exist.
   */
  state(queue: string): Promise<{ queued: number; active: number } | null>;
  /**
   * Stops taking jobs and waits up to `timeoutMs` for the running ones; those still running then
   * are aborted and handed back to the queue (retried). Jobs can still be sent until `stop`.
   */
  stopWorkers(timeoutMs: number): Promise<void>;
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
  const supervision = {
    superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    monitorIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    // The queues' cached counts (the backlog that turns bursts on) are this fresh.
    queueCacheIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    // Workers of queues that opt in (`notify`) are woken when a job lands; polling stays the floor.
    useListenNotify: true,
  };
  const boss =
    connection.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(connection.client), backend: 'pglite', schema: 'pgboss', ...supervision })
      : // pg-boss's own pool listens to the errors of its clients, idle or checked out.
        new PgBoss({
          connectionString: connection.url,
          max: connection.poolMax,
          connectionTimeoutMillis: connection.connectTimeoutMs,
          schema: 'pgboss',
          ...supervision,
        });
  boss.on('error', options.onError);
  await boss.start();
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;

  return {
    async define({ name, options: queueOptions, deadLetter, policy }) {
      if (deadLetter) {
        await boss.createQueue(deadLetterQueueOf(name), { retentionSeconds: 30 * 86_400 });
      }
      const settings = {
        ...queueOptions,
        heartbeatSeconds: queueOptions.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
        ...(deadLetter ? { deadLetter: deadLetterQueueOf(name) } : {}),
      };
      await boss.createQueue(name, { ...settings, ...(policy ? { policy } : {}) });
      // An existing queue keeps the settings it was created with: it takes the current ones (but
      // its policy, which pg-boss cannot change).
      await boss.updateQueue(name, settings);
      // pg-boss looks a queue up, and caches it, on its first send. Inside a transaction on PGlite
      // that lookup would wait on the outer connection for the transaction to end, forever; any
      // lookup by name fills the cache now, so a first transactional send needs none.
      await boss.getJobById(name, CACHE_WARMING_JOB_ID);
    },
    send(queue, data, { tx, priority, startAfter, singletonKey, group } = {}) {
      return boss.send(queue, withJobContext(data), {
        ...(tx ? { db: fromDrizzle(tx as unknown as DrizzleTransaction, sql) } : {}),
        ...(priority !== undefined ? { priority: bossPriority(priority) } : {}),
        ...(startAfter ? { startAfter } : {}),
        ...(singletonKey ? { singletonKey } : {}),
        ...(group ? { group: { id: group } } : {}),
      });
    },
    async work(queue, handler, { concurrency = 1, groupConcurrency } = {}) {
      await boss.work<object>(
        queue,
        // Notified queues poll as often as the others: jobs due later (startAfter, retries) are
        // only found by polling, and pg-boss would otherwise poll them every 30 s. A worker whose
        // last fetch found a job while the queue has a backlog fetches again at once (burst):
        // without it, each worker waits out the polling interval after every job, and a backlog
        // drains at one job per worker per half second (docs/decisions/0010).
        {
          batchSize: 1,
          localConcurrency: concurrency,
          pollingIntervalSeconds,
          notifyPollingIntervalSeconds: pollingIntervalSeconds,
          burstWhenReadyExceeds: 1,
          ...(groupConcurrency ? { groupConcurrency } : {}),
        },
        async ([job]) => {
          if (!job) return;
          const running = { queue, id: job.id, attempt: job.retryCount, data: job.data };
          await runJobInContext(running, (data) =>
            handler({ id: job.id, data: data as never, attempt: job.retryCount, signal: job.signal }),
          );
        },
      );
    },
    schedule: (queue, cron) => boss.schedule(queue, cron, null, { tz: 'UTC' }),
    async state(queue) {
      const found = await boss.getQueue(queue);
      return found ? { queued: found.queuedCount, active: found.activeCount } : null;
    },
    stopWorkers: (timeoutMs) => boss.stop({ graceful: true, timeout: timeoutMs, close: false }),
    stop: (timeoutMs = 10_000) => boss.stop({ graceful: true, timeout: timeoutMs, close: true }),
  };
}
