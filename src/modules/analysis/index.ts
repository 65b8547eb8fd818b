import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { TurnEngine } from '../execution/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { ANALYSIS_RUN_CANCELLED } from './analysis-events.ts';
import { analysisRunJob } from './analysis-job.ts';
import { analysisRoutes } from './analysis-routes.ts';
import { createAnalysisService } from './analysis-service.ts';
import type { SnapshotReaders } from './analysis-snapshot.ts';
import type { SourceReaders } from './analysis-sources.ts';
import { comparisonRoutes } from './comparison-routes.ts';
import { createComparisonService } from './comparison-service.ts';
import { proposalRoutes } from './proposal-routes.ts';
import { createProposalService } from './proposal-service.ts';

export interface AnalysisModuleOptions {
  db: Database;
  guard: AccessGuard;
  queue: JobQueue;
  jobs: JobRegistry;
  events: Pick<EventBus, 'publish' | 'watch'>;
  turns: Pick<TurnEngine, 'run'>;
  /** The assignment and its definition (the definitions module), the agent's configuration and models. */
  snapshots: SnapshotReaders;
  /** The time windows' messages (conversations), agents (403/404), and uploaded files (knowledge). */
  sources: SourceReaders;
}

/**
 * Analysis runs (seed 003 section 9, docs/analysis-runs.md): an assignment applied to a batch of
 * items in the background on the `analysis-runs` queue, pinned to a configuration snapshot, whose
 * validated outputs become proposals to review, export and compare between runs.
 */
export async function registerAnalysis(app: FastifyInstance, options: AnalysisModuleOptions) {
  const { db, events } = options;
  const runs = createAnalysisService({
    db,
    queue: options.queue,
    events,
    snapshots: options.snapshots,
    sources: options.sources,
  });
  const proposals = createProposalService({ db, requireRun: runs.requireRun });
  const comparisons = createComparisonService({ db, requireRun: runs.requireRun });
  await app.register(analysisRoutes(runs, options.guard), { prefix: '/api/v1' });
  await app.register(proposalRoutes(proposals, options.guard), { prefix: '/api/v1' });
  await app.register(comparisonRoutes(comparisons, options.guard), { prefix: '/api/v1' });

  // A cancellation reaches the process that works on the run through the event bus.
  const cancellations = new Map<string, AbortController>();
  events.watch({
    event(event) {
      if (event.type === ANALYSIS_RUN_CANCELLED) cancellations.get(String(event.data.run_id))?.abort();
    },
    gap: () => {},
  });
  // A stopping process stops taking items as soon as it begins to close, and hands its runs over.
  const stopping = new AbortController();
  app.addHook('preClose', async () => {
    stopping.abort();
  });
  options.jobs.add(
    analysisRunJob({
      db,
      queue: options.queue,
      events,
      turns: options.turns,
      requireAgentAt: (principal: Principal, agentId: string, version: number) =>
        options.snapshots.agentForTurn(principal, agentId, version),
      cancellations,
      stopping: stopping.signal,
      log: app.log,
    }),
  );
}
