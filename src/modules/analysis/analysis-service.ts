import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import { ANALYSIS_RUN_CANCELLED, publishRunEvent } from './analysis-events.ts';
import { ANALYSIS_RUNS_QUEUE, type AnalysisJob } from './analysis-job.ts';
import * as repository from './analysis-repository.ts';
import {
  type AnalysisSource,
  analysisOptions,
  type CreateRunBody,
  type ItemView,
  type ListRunsQuery,
  type RunView,
} from './analysis-schemas.ts';
import { type ConfigSnapshot, type SnapshotReaders, takeSnapshot } from './analysis-snapshot.ts';
import { describedSource, materializeItems, type SourceReaders } from './analysis-sources.ts';
import type { AnalysisItemStatus } from './analysis-tables.ts';
import { toItemView, toRunView } from './analysis-views.ts';

/** Failed items a run's view lists; the items route lists them all. */
const ITEM_ERRORS_SHOWN = 20;

/**
 * Analysis runs (seed 003 section 9; docs/analysis-runs.md): created with their items read from
 * the source and their configuration pinned, started on the `analysis-runs` queue, cancelled,
 * read with their progress and totals, and re-run over the same items.
 */
export function createAnalysisService({
  db,
  queue,
  events,
  snapshots,
  sources,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  events: Pick<EventPublisher, 'publish'>;
  snapshots: SnapshotReaders;
  sources: SourceReaders;
}) {
  async function requireRun(principal: Principal, runId: string) {
    return requireInScope(await repository.findRun(db, principal, runId), 'Analysis run', () =>
      repository.findRunOrganization(db, runId),
    );
  }

  async function view(principal: Principal, row: repository.RunRow): Promise<RunView> {
    const [statistics, failed] = await Promise.all([
      repository.runStatistics(db, principal, [row.id]),
      repository.failedItems(db, principal, row.id, ITEM_ERRORS_SHOWN),
    ]);
    return toRunView(row, statistics.get(row.id), failed);
  }

  /** Inserts a pending run and its items in one transaction. */
  async function insert(
    principal: Principal,
    run: Omit<Parameters<typeof repository.insertRun>[1], 'id'>,
    items: (tx: Parameters<typeof repository.insertItems>[0], runId: string) => Promise<void>,
  ) {
    const id = uuidv7();
    const row = await db.transaction(async (tx) => {
      const inserted = await repository.insertRun(tx, { ...run, id });
      await items(tx, id);
      return inserted;
    });
    return view(principal, row);
  }

  return {
    requireRun,

    /** 201 pending: the items are read from the source now, and the configuration pinned. */
    async create(principal: Principal, body: CreateRunBody): Promise<RunView> {
      requirePermission(principal, 'agents:execute');
      const assignmentId = (body.assignment_id ?? body.agent_assignment_id) as string;
      const source: AnalysisSource = body.source ?? {
        type: 'time_window',
        time_window_start: body.time_window_start as string,
        time_window_end: body.time_window_end as string,
      };
      const options = analysisOptions.parse(body.options ?? {});
      const described = describedSource(source);
      const snapshot = await takeSnapshot(snapshots, principal, assignmentId, options, described);
      const items = await materializeItems(sources, principal, source, snapshot.agent.id);
      snapshot.source = { ...described, items_total: items.length };
      return insert(
        principal,
        {
          organizationId: principal.organizationId,
          assignmentId,
          agentId: snapshot.agent.id,
          taskDefinitionId: snapshot.task_definition.id,
          triggerType: body.trigger_type ?? 'manual',
          source: described,
          options,
          configSnapshot: snapshot as unknown as Record<string, unknown>,
          itemsTotal: items.length,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        },
        (tx, runId) =>
          repository.insertItems(
            tx,
            items.map((item, itemIndex) => ({
              organizationId: principal.organizationId,
              runId,
              itemIndex,
              sourceRef: item.sourceRef,
              input: item.input,
            })),
          ),
      );
    },

    /**
     * A new pending run over the same items with the same snapshot: its turns run at the
     * snapshot's agent version, so it reproduces the original whatever the agent became since.
     */
    async rerun(principal: Principal, runId: string): Promise<RunView> {
      requirePermission(principal, 'agents:execute');
      const original = await requireRun(principal, runId);
      const _snapshot = original.configSnapshot as unknown as ConfigSnapshot;
      return insert(
        principal,
        {
          organizationId: principal.organizationId,
          assignmentId: original.assignmentId,
          agentId: original.agentId,
          taskDefinitionId: original.taskDefinitionId,
          triggerType: original.triggerType,
          source: original.source,
          options: original.options,
          configSnapshot: original.configSnapshot,
          itemsTotal: original.itemsTotal,
          rerunOf: original.id,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        },
        (tx, newRunId) => repository.copyItems(tx, principal, original.id, newRunId),
      );
    },

    /** 202: queued with its job in one transaction; a run already queued or running is answered as it is. */
    async start(principal: Principal, runId: string): Promise<RunView> {
      requirePermission(principal, 'agents:execute');
      await requireRun(principal, runId);
      const started = await db.transaction(async (tx) => {
        const row = await repository.transitionRun(tx, principal, runId, ['pending'], 'queued', {
          queuedAt: new Date(),
        });
        if (!row) return undefined;
        const job: AnalysisJob = { organizationId: principal.organizationId, runId };
        const jobId = await queue.send(ANALYSIS_RUNS_QUEUE, job, { tx });
        await repository.setQueueJob(tx, principal, runId, jobId);
        return { ...row, queueJobId: jobId };
      });
      const row = started ?? (await requireRun(principal, runId));
      if (!started && row.status !== 'queued' && row.status !== 'running') {
        throw new ConflictError(
          'analysis_run_not_startable',
          `The run is ${row.status}: only a pending run starts`,
          {
            status: row.status,
          },
        );
      }
      return view(principal, row);
    },

    /** Pending, queued and running runs end `cancelled`; turns running stop, and nothing more is stored. */
    async cancel(principal: Principal, runId: string): Promise<RunView> {
      requirePermission(principal, 'agents:execute');
      await requireRun(principal, runId);
      const cancelled = await db.transaction(async (tx) => {
        const row = await repository.transitionRun(
          tx,
          principal,
          runId,
          ['pending', 'queued', 'running'],
          'cancelled',
        );
        if (row) await publishRunEvent(events, ANALYSIS_RUN_CANCELLED, row, { tx });
        return row;
      });
      if (!cancelled) {
        const row = await requireRun(principal, runId);
        throw new ConflictError('analysis_run_not_cancellable', `The run is ${row.status} already`, {
          status: row.status,
        });
      }
      return view(principal, cancelled);
    },

    async get(principal: Principal, runId: string): Promise<RunView> {
      return view(principal, await requireRun(principal, runId));
    },

    async list(principal: Principal, query: Omit<ListRunsQuery, 'limit' | 'offset'>, page: Page) {
      const filters = { assignmentId: query.assignment_id, agentId: query.agent_id, status: query.status };
      const { rows, total } = await repository.listRuns(db, principal, filters, page);
      const statistics = await repository.runStatistics(
        db,
        principal,
        rows.map((row) => row.id),
      );
      return { items: rows.map((row) => toRunView(row, statistics.get(row.id))), total };
    },

    async items(
      principal: Principal,
      runId: string,
      status: AnalysisItemStatus | undefined,
      page: Page,
    ): Promise<{ items: ItemView[]; total: number }> {
      await requireRun(principal, runId);
      const { rows, total } = await repository.listItems(db, principal, runId, status, page);
      return {
        items: rows.map((row) => toItemView(row.item, { proposalId: row.proposalId, output: row.output })),
        total,
      };
    },
  };
}

export type AnalysisService = ReturnType<typeof createAnalysisService>;
