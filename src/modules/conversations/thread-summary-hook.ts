import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { TurnHook } from '../execution/index.ts';
import { THREAD_SUMMARY_QUEUE, type ThreadSummaryJobData } from './thread-summary-job.ts';

/**
 * A summary job is asked for once at least this many messages fell out of the thread window
 * since the last summary: a long chat makes one job every few turns, not one a turn.
 */
export const SUMMARY_BATCH_MESSAGES = 10;

/**
 * Until a summary covers them, messages that fell out of the window stay in a turn's thread, at
 * most this many (the newest): twice a batch leaves the job a batch's time to catch up, and a job
 * that is stuck (failing, dead-lettered) cannot grow every turn's context without bound.
 */
export const UNSUMMARIZED_BACKLOG_MESSAGES = 2 * SUMMARY_BATCH_MESSAGES;

/**
 * How long this process remembers asking for a session's summary at a given coverage: turns of
 * the session ending meanwhile do not ask again (each ask costs the turn's end a transaction),
 * and once the job has moved the coverage, the next turn asks afresh if there is more to do.
 */
const REQUEST_MEMORY_MS = 30_000;
/** Sessions remembered at most; the oldest ask is forgotten first. */
const REQUEST_MEMORY_SIZE = 10_000;

/**
 * After a completed turn in a session, inside the transaction that stores it: asks for the
 * session's summary job (thread-summary-job.ts) when enough messages fell out of the window, so
 * that the job exists if and only if the turn is stored. It decides from the counts the turn
 * carries (no read: most turn ends then need no transaction of their own); the job reads the
 * session itself, and the queue's singleton key makes a request while the session's job is
 * queued or running a no-op.
 */
export function threadSummaryHook(queue: Pick<JobQueue, 'send'>, now: () => number = Date.now): TurnHook {
  const asked = new Map<string, { summarizedCount: number; at: number }>();
  const askedRecently = (sessionId: string, summarizedCount: number) => {
    const ask = asked.get(sessionId);
    return ask !== undefined && ask.summarizedCount === summarizedCount && now() - ask.at < REQUEST_MEMORY_MS;
  };
  return {
    name: 'thread-summaries',
    appliesTo({ status, sessionId, thread, agent }) {
      if (status !== 'completed' || sessionId === null || thread === null) return false;
      const fallenOut = thread.messageCount - agent.threadWindow - thread.summarizedCount;
      return fallenOut >= SUMMARY_BATCH_MESSAGES && !askedRecently(sessionId, thread.summarizedCount);
    },
    async afterTurn(turn, tx) {
      if (turn.sessionId === null || turn.thread === null) return;
      const data: ThreadSummaryJobData = {
        organizationId: turn.principal.organizationId,
        sessionId: turn.sessionId,
        threadWindow: turn.agent.threadWindow,
        role: turn.principal.role,
        actingUserId: turn.principal.userId,
        actingApiKeyId: turn.principal.apiKeyId,
      };
      await queue.send(THREAD_SUMMARY_QUEUE, data, { tx, singletonKey: turn.sessionId });
      asked.delete(turn.sessionId);
      if (asked.size >= REQUEST_MEMORY_SIZE) asked.delete(asked.keys().next().value as string);
      asked.set(turn.sessionId, { summarizedCount: turn.thread.summarizedCount, at: now() });
    },
  };
}
