import type { Logger } from 'pino';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { JobQueue, QueuedJob } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { TurnEngine } from '../execution/index.ts';
import { backgroundPrincipal, type Principal } from '../tenancy/index.ts';
import { runBatchTurn } from './analysis-batch-turn.ts';
import {
  ANALYSIS_RUN_COMPLETED,
  ANALYSIS_RUN_FAILED,
  ANALYSIS_RUN_PROGRESS,
  ANALYSIS_RUN_STARTED,
  publishRunEvent,
  throttled,
} from './analysis-events.ts';
import { storeOutcomes } from './analysis-item-store.ts';
import * as repository from './analysis-repository.ts';
import type { ConfigSnapshot } from './analysis-snapshot.ts';
import type { AnalysisError, SourceRef } from './analysis-tables.ts';

export const ANALYSIS_RUNS_QUEUE = 'analysis-runs';
/** pg-boss's deliveries of a run's job after the first (a worker that died, a job past its expiry). */
const REDELIVERIES = 10;
/** Runs one process works on at once; each runs up to its `concurrency` turns. */
const RUNS_PER_PROCESS = 2;
/** A job running longer than this is handed to another delivery, which goes on where it stopped. */
const EXPIRE_SECONDS = 4 * 3600;
/** How soon a run handed over by a stopping process is offered again. */
const HANDOVER_DELAY_MS = 1_000;

/** How an item of a batch ended, with its output when it has one. */
type Outcome = repository.ItemOutcome & { output?: Record<string, unknown> };

/** A run's job: the run to work on; every delivery goes on with the items still pending. */
export interface AnalysisJob {
  organizationId: string;
  runId: string;
}

export interface AnalysisJobDependencies {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  turns: Pick<TurnEngine, 'run'>;
  /** Resolves when the agent can still run at `version` (403/404 when it or the version is gone). */
  requireAgentAt(principal: Principal, agentId: string, version: number): Promise<unknown>;
  /** The runs this process works on, by id: a cancellation aborts one. */
  cancellations: Map<string, AbortController>;
  /** Aborted when the process begins to stop: its runs stop taking items and are handed over. */
  stopping: AbortSignal;
  log: Pick<Logger, 'error'>;
}

/** Runs `work` over the items with at most `concurrency` at once; the first error stops the others taking more. */
async function forEachConcurrently<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, items.length) }, worker),
  );
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
}

const chunks = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

/**
 * The `analysis-runs` worker: works through a run's pending items with `concurrency` turns at
 * once, under a background principal acting for the run's creator. Delivery is at least once: a
 * delivery takes the items still pending, and an item's proposal is stored in the transaction
 * that ends the item, only while the item is pending and the run running, so that no item is
 * stored twice and nothing is stored after a cancellation. A process that stops hands its runs
 * over (a new job); one that dies leaves its job to pg-boss, which delivers it again.
 */
export function analysisRunJob(dependencies: AnalysisJobDependencies): JobDefinition<AnalysisJob> {
  const { db, events, turns } = dependencies;

  const claim = (scope: TenantScope, runId: string) =>
    db.transaction(async (tx) => {
      const started = await repository.transitionRun(tx, scope, runId, ['queued'], 'running');
      if (started) {
        await publishRunEvent(events, ANALYSIS_RUN_STARTED, started, { tx });
        return started;
      }
      // A later delivery goes on with the run.
      return repository.transitionRun(tx, scope, runId, ['running'], 'running');
    });

  const finish = (scope: TenantScope, runId: string, status: 'completed' | 'failed', error?: AnalysisError) =>
    db.transaction(async (tx) => {
      const row = await repository.transitionRun(
        tx,
        scope,
        runId,
        ['running'],
        status,
        error ? { error } : {},
      );
      if (!row) return;
      const statistics = (await repository.runStatistics(tx, scope, [runId])).get(runId);
      const type = status === 'completed' ? ANALYSIS_RUN_COMPLETED : ANALYSIS_RUN_FAILED;
      await publishRunEvent(events, type, row, { statistics, tx });
    });

  /** Stores a batch's outcomes; false when the run no longer runs (it was cancelled meanwhile). */
  const store = (
    scope: TenantScope,
    run: repository.RunRow,
    items: repository.ItemRow[],
    outcomes: Outcome[],
  ) => {
    const sourceRefs = new Map(items.map((item) => [item.itemIndex, item.sourceRef]));
    // Outcomes are of these items.
    return storeOutcomes(
      db,
      scope,
      run.id,
      outcomes.map((outcome) => ({ ...outcome, sourceRef: sourceRefs.get(outcome.itemIndex) as SourceRef })),
    );
  };

  const handOver = (job: QueuedJob<AnalysisJob>, scope: TenantScope) =>
    db.transaction(async (tx) => {
      if ((await repository.lockRunStatus(tx, scope, job.data.runId)) !== 'running') return;
      const jobId = await dependencies.queue.send(ANALYSIS_RUNS_QUEUE, job.data, {
        tx,
        startAfter: new Date(Date.now() + HANDOVER_DELAY_MS),
      });
      await repository.setQueueJob(tx, scope, job.data.runId, jobId);
    });

  /**
   * Works through the pending items until `signals.stop` (no more batches start) or
   * `signals.turn` (turns running are aborted too); what stopped it, if anything did.
   */
  async function work(run: repository.RunRow, signals: { stop: AbortSignal; turn: AbortSignal }) {
    const scope = { organizationId: run.organizationId };
    const snapshot = run.configSnapshot as unknown as ConfigSnapshot;
    const principal = backgroundPrincipal({
      organizationId: run.organizationId,
      trigger: 'analysis',
      role: 'agent_user',
      actingUserId: run.createdByUserId,
      actingApiKeyId: run.createdByApiKeyId,
    });
    const progress = throttled(async () => {
      const statistics = (await repository.runStatistics(db, scope, [run.id])).get(run.id);
      await publishRunEvent(events, ANALYSIS_RUN_PROGRESS, run, { statistics });
    });
    const state: { fatal?: AnalysisError; stopped: boolean } = { stopped: false };
    const pending = await repository.pendingItemIndexes(db, scope, run.id);
    await forEachConcurrently(
      chunks(pending, snapshot.options.batch_size),
      snapshot.options.concurrency,
      async (batch) => {
        if (state.fatal || state.stopped || signals.stop.aborted) return;
        try {
          // Turns run at the snapshot's version whatever the agent's current one; a deleted agent stops the run.
          await dependencies.requireAgentAt(principal, snapshot.agent.id, snapshot.agent.version);
        } catch (error) {
          if (!(error instanceof AppError) || error.status >= 500) throw error;
          state.fatal = { code: error.code, message: error.message };
        }
        if (state.fatal) return;
        const items = await repository.findItems(db, scope, run.id, batch);
        const stillPending = items.filter((item) => item.status === 'pending');
        if (stillPending.length === 0) return;
        const result = await runBatchTurn(turns, {
          principal,
          runId: run.id,
          snapshot,
          items: stillPending,
          signal: signals.turn,
        });
        if (result.kind === 'stopped') state.stopped = true;
        else if (result.kind === 'fatal') state.fatal ??= result.error;
        else if (!(await store(scope, run, stillPending, result.outcomes))) state.stopped = true;
        else await progress();
      },
    );
    return state;
  }

  return {
    queue: {
      name: ANALYSIS_RUNS_QUEUE,
      options: {
        retryLimit: REDELIVERIES,
        retryDelay: 2,
        retryBackoff: true,
        retryDelayMax: 60,
        expireInSeconds: EXPIRE_SECONDS,
        notify: true,
      },
      deadLetter: true,
    },
    concurrency: RUNS_PER_PROCESS,
    handle: async (job) => {
      const scope = { organizationId: job.data.organizationId };
      const run = await claim(scope, job.data.runId);
      if (!run) return;
      const cancellation = new AbortController();
      dependencies.cancellations.set(run.id, cancellation);
      try {
        // A stopping process lets the turns it runs finish (and be stored) before it hands over.
        const turn = AbortSignal.any([cancellation.signal, job.signal]);
        const state = await work(run, { turn, stop: AbortSignal.any([turn, dependencies.stopping]) });
        // The cancel request ended the run itself.
        if (cancellation.signal.aborted) return;
        // Expired or stopped by the queue: its next delivery goes on.
        if (job.signal.aborted) throw new Error('The queue stopped the analysis run’s job');
        if (state.fatal) return await finish(scope, run.id, 'failed', state.fatal);
        if ((await repository.pendingItemIndexes(db, scope, run.id)).length > 0) {
          // Stopped (this process stops, a turn was shut down, or the run ended meanwhile): hand it over.
          if (dependencies.stopping.aborted || state.stopped) return await handOver(job, scope);
          throw new Error('Items of the analysis run are still pending');
        }
        const statistics = (await repository.runStatistics(db, scope, [run.id])).get(run.id);
        const allFailed = run.itemsTotal > 0 && statistics?.itemsDone === 0;
        if (!allFailed) return await finish(scope, run.id, 'completed');
        await finish(scope, run.id, 'failed', {
          code: 'analysis_items_failed',
          message: 'Every item of the run failed: see its items’ errors',
        });
      } catch (error) {
        // The last delivery: the run ends failed rather than stay running for ever.
        if (job.attempt >= REDELIVERIES) {
          dependencies.log.error({ err: error, run_id: run.id }, 'an analysis run failed for good');
          await finish(scope, run.id, 'failed', {
            code: 'internal_error',
            message: 'The run failed inside Agentry',
          }).catch(() => undefined);
        }
        throw error;
      } finally {
        dependencies.cancellations.delete(run.id);
      }
    },
  };
}
