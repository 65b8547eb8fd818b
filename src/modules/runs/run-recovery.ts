import { and, eq, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { runs } from './run-tables.ts';

export const ABANDONED = {
  code: 'abandoned',
  message: 'The process running this turn stopped before it ended',
};

/**
 * Ends the runs of processes that are gone (a process lease handler, across every organization:
 * maintenance acting for the operator): each run still `running` that started before `checkedAt`
 * and names no live lease ends `abandoned`, and `run-abandoned` is announced, in one transaction.
 * Whatever the turn held is released with it: its agent's busy state is derived from running runs,
 * and its messages were never stored (a turn stores them with its end). Should the turn still end
 * after all (its process only lost its lease for a while), its end overwrites the abandonment.
 */
export function abandonOrphanedRuns(events: Pick<EventPublisher, 'publish'>) {
  return async (db: Database, liveProcessIds: string[], checkedAt: Date) => {
    const orphaned: SQL = liveProcessIds.length
      ? sql`(${runs.processId} is null or ${runs.processId} <> all(${sql.param(liveProcessIds)}::uuid[]))`
      : sql`true`;
    await db.transaction(async (tx) => {
      const abandoned = await tx
        .update(runs)
        .set({
          status: 'abandoned',
          error: ABANDONED,
          completedAt: sql`now()`,
          durationMs: sql`(extract(epoch from (now() - ${runs.startedAt})) * 1000)::int`,
        })
        .where(and(eq(runs.status, 'running'), lt(runs.startedAt, checkedAt), orphaned))
        .returning();
      for (const run of abandoned) {
        await events.publish(
          {
            type: 'run-abandoned',
            organization_id: run.organizationId,
            data: {
              run_id: run.id,
              agent_id: run.agentId,
              session_id: run.sessionId,
              trigger: run.trigger,
              error_code: ABANDONED.code,
            },
          },
          { tx },
        );
      }
    });
  };
}
