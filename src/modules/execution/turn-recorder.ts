import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { createGroupCommit } from '../../platform/db/group-commit.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { composeStatement, type StatementPart } from '../../platform/db/statement-part.ts';
import { createWriteBehind } from '../../platform/db/write-behind.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import { turnOutcomesPart } from '../agents/index.ts';
import { type TurnSessionWrite, turnEndSessionsPart, turnStartSessionsPart } from '../conversations/index.ts';
import { emptyUsage, type RunRecord, turnEndRunsPart, turnStartRunsPart } from '../runs/index.ts';
import type { TurnEnd, TurnStart, TurnStore } from './turn-record.ts';
import type { TurnRegistry } from './turn-registry.ts';

/**
 * How long a turn runs before its start is written (the run shows as `running`). A turn that ends
 * sooner writes one record, its end, instead of two (docs/decisions/0004).
 */
export const RUN_START_WRITE_DELAY_MS = 25;

/** At most this many turn ends share one statement. */
const MAX_ENDS_PER_COMMIT = 64;

const sessionWrite = (start: TurnStart, end: TurnEnd | null): TurnSessionWrite | null =>
  start.session && {
    sessionId: start.session.id,
    organizationId: start.principal.organizationId,
    agentId: start.agent.id,
    projectId: start.agent.projectId,
    userId: start.session.userId,
    createdByUserId: start.principal.userId,
    createdByApiKeyId: start.principal.apiKeyId,
    created: start.session.created,
    greeting: start.session.greeting,
    messages: end?.messages ? [end.messages.user, end.messages.assistant] : [],
  };

/**
 * Records turns (the `TurnStore` of the turn engine) in as few round trips as durability allows:
 * - a turn's end (its messages and the session's counters, the run with its actions and events,
 *   the agent's counters) is one statement that three modules write parts of; turns ending while
 *   one is being written share the next statement and its commit (group commit), and each waits
 *   for its own commit;
 * - a turn's start is written only if the turn is still running `RUN_START_WRITE_DELAY_MS` later,
 *   batched with other starts, off the turn's critical path;
 * - when after-turn hooks apply to a batch's turns, its end statement runs in a transaction with them.
 */
export function createTurnRecorder({
  db,
  events,
  registry,
  processId,
  onError,
}: {
  db: Database;
  events: Pick<EventPublisher, 'encode' | 'notification'>;
  registry: TurnRegistry;
  /** The process lease that start records name, so that recovery can find them. */
  processId: string | null;
  onError(error: unknown): void;
}) {
  const runEvent = (start: TurnStart, type: string, data: Record<string, unknown>) =>
    events.encode({
      type,
      organization_id: start.principal.organizationId,
      data: {
        run_id: start.runId,
        agent_id: start.agent.id,
        session_id: start.session?.id ?? null,
        trigger: start.trigger,
        ...data,
      },
    });

  const startedEvent = (start: TurnStart) =>
    runEvent(start, 'run-started', { model: start.model, provider_id: start.provider.id });

  function runRecord(start: TurnStart, end: TurnEnd | null): RunRecord {
    return {
      id: start.runId,
      organizationId: start.principal.organizationId,
      agentId: start.agent.id,
      agentVersion: start.agent.version,
      sessionId: start.session?.id ?? null,
      trigger: start.trigger,
      status: end?.status ?? 'running',
      input: start.input,
      output: end?.output ?? null,
      error: end?.error ?? null,
      usage: end?.usage ?? emptyUsage(),
      costEstimate: end?.costEstimate ?? null,
      model: end?.model ?? start.model,
      provider: end?.provider ?? start.provider,
      fallbackUsed: end?.fallbackUsed ?? false,
      warnings: end?.warnings ?? start.warnings,
      startedAt: start.startedAt,
      completedAt: end?.completedAt ?? null,
      createdByUserId: start.principal.userId,
      createdByApiKeyId: start.principal.apiKeyId,
      processId,
      actions: end?.actions ?? [],
      needsLiveSession: end?.messages != null,
      startedEvent: startedEvent(start),
      endedEvent: end
        ? runEvent(start, `run-${end.status}`, {
            usage: end.usage,
            cost_estimate: end.costEstimate,
            error_code: end.error?.code ?? null,
          })
        : null,
    };
  }

  const writeStarts = composeStatement<TurnStart>(
    'turn_starts',
    [
      mapPart(turnStartSessionsPart(), (start) => sessionWrite(start, null)),
      mapPart(turnStartRunsPart(events.notification), (start) => runRecord(start, null)),
    ],
    sql`select count(*) from started_runs`,
  );
  // Composed when the first turn ends, once every module has added its parts to the registry.
  let writeEnds: ReturnType<typeof composeStatement<TurnEnd>> | undefined;
  const endsStatement = () =>
    (writeEnds ??= composeStatement<TurnEnd>(
      'turn_ends',
      [
        mapPart(turnEndSessionsPart({ written: 'written_sessions' }), (end) => sessionWrite(end.start, end)),
        mapPart(
          turnEndRunsPart(
            { liveSessions: 'written_sessions', ended: 'ended_runs' },
            events.notification,
            uuidv7,
          ),
          (end) => runRecord(end.start, end),
        ),
        turnOutcomesPart({ ended: 'ended_runs' }),
        ...registry.endParts().map((part) => part({ ended: 'ended_runs' })),
      ],
      sql`select id from ended_runs`,
    ));

  const starts = createWriteBehind<TurnStart>({
    delayMs: RUN_START_WRITE_DELAY_MS,
    write: async (batch) => void (await writeStarts(db, batch)),
    onError,
  });

  async function storeEnds(executor: Executor, batch: readonly TurnEnd[]) {
    const stored = new Set((await endsStatement()(executor, batch)).map((row) => row.id as string));
    return batch.map((end) => stored.has(end.start.runId));
  }

  const ends = createGroupCommit<TurnEnd, boolean>({
    maxBatch: MAX_ENDS_PER_COMMIT,
    async write(batch) {
      const hooks = registry.afterTurnHooks();
      const applying = batch.map((end) => hooks.filter((hook) => hook.appliesTo?.(end.hookView) ?? true));
      if (applying.every((list) => list.length === 0)) return storeEnds(db, batch);
      return db.transaction(async (tx) => {
        const stored = await storeEnds(tx, batch);
        for (const [index, end] of batch.entries()) {
          if (!stored[index]) continue;
          for (const hook of applying[index] ?? []) await hook.afterTurn?.(end.hookView, tx);
        }
        return stored;
      });
    },
  });

  /** Tells the observers (metrics) of a stored end; one that throws is reported, never the turn's failure. */
  function observe(end: TurnEnd) {
    const observers = registry.observers();
    if (observers.length === 0) return;
    const details = {
      durationMs: end.completedAt.getTime() - end.start.startedAt.getTime(),
      actions: end.actions,
    };
    for (const observer of observers) {
      try {
        observer.turnEnded(end.hookView, details);
      } catch (error) {
        onError(new Error(`The turn observer ${observer.name} failed`, { cause: error }));
      }
    }
  }

  const store: TurnStore = {
    recordStart: (start) => starts.add(start),
    async recordEnd(end) {
      starts.withdraw(end.start);
      const stored = await ends.submit(end);
      // Not stored: its session is no longer a live session (deleted while the turn ran). A run
      // already ended by someone else cannot happen: only the turn itself ends a running run.
      if (!stored && end.messages) throw new NotFoundError('Session');
      if (stored) observe(end);
    },
  };
  return {
    store,
    /** Writes the starts still waiting and waits for the ends in progress (graceful shutdown). */
    async flush() {
      await starts.flush();
      await ends.flushed();
    },
  };
}

/** A part over another item type, through a mapping from the items it is given (null: none). */
function mapPart<TFrom, TTo>(
  part: StatementPart<TTo>,
  map: (item: TFrom) => TTo | null,
): StatementPart<TFrom> {
  return {
    ctes: part.ctes,
    values: (items) => part.values(items.map(map).filter((item): item is TTo => item !== null)),
  };
}
