import type { Database } from '../../platform/db/database.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { ThreadSummarizer } from '../execution/index.ts';
import { backgroundPrincipal, type Role } from '../tenancy/index.ts';
import { findFallenOutMessages, findSummaryState, recordSummary } from './thread-summary-repository.ts';

export const THREAD_SUMMARY_QUEUE = 'thread-summaries';
/** The trigger of the background principal the summaries are made under. */
const THREAD_SUMMARY_TRIGGER = 'thread-summary';
/** Messages summarized per model call; each call's summary is stored before the next. */
const MESSAGES_PER_CALL = 40;
/** Calls per job: a longer backlog (say, a shrunk window) is worked off by the jobs of later turns. */
const CALLS_PER_JOB = 5;

/** One session's summary to bring up to date, for the organization and the caller of the turn that asked. */
export interface ThreadSummaryJobData {
  organizationId: string;
  sessionId: string;
  /** The agent's memory.thread_window when the turn ran: the messages a turn reads. */
  threadWindow: number;
  role: Role;
  actingUserId: string | null;
  actingApiKeyId: string | null;
}

/**
 * Summarizes the messages of a session that fell out of its agent's thread window, incrementally:
 * the new summary is made from the previous one and the messages after its cursor, then stored with
 * the cursor moved on, only if the cursor did not move meanwhile. A second run of the same job
 * finds nothing new (or loses that race) and stores nothing: the job is idempotent. It reads and
 * writes only its organization's session, and calls the model under a background principal acting
 * for whoever ran the turn. A failed model call fails the job, which is retried; the summary stays
 * as it was.
 */
export function threadSummaryJob({
  db,
  summarize,
}: {
  db: Database;
  summarize: ThreadSummarizer;
}): JobDefinition<ThreadSummaryJobData> {
  async function summarizeOnce(data: ThreadSummaryJobData, signal: AbortSignal): Promise<boolean> {
    const scope = { organizationId: data.organizationId };
    const state = await findSummaryState(db, scope, data.sessionId);
    // Turns ask for summaries, and a turn binds its session to its agent: a session without one
    // has had no turn, so there is no model to summarize with (nor anything asked).
    if (!state?.agentId) return false;
    const fallenOut = await findFallenOutMessages(db, scope, data.sessionId, {
      messageId: state.throughMessageId,
      window: data.threadWindow,
      limit: MESSAGES_PER_CALL,
    });
    const newest = fallenOut.at(-1);
    if (!newest) return false;
    // As in the thread: system and tool messages are not retold to the model.
    const retold = fallenOut.flatMap((message) =>
      message.role === 'user' || message.role === 'assistant'
        ? [{ role: message.role, content: message.content }]
        : [],
    );
    const principal = backgroundPrincipal({
      organizationId: data.organizationId,
      trigger: THREAD_SUMMARY_TRIGGER,
      role: data.role,
      actingUserId: data.actingUserId,
      actingApiKeyId: data.actingApiKeyId,
    });
    const content =
      retold.length === 0
        ? state.summary
        : await summarize(principal, state.agentId, {
            previousSummary: state.summary,
            messages: retold,
            signal,
          });
    const recorded = await recordSummary(db, scope, data.sessionId, state.throughMessageId, {
      content,
      throughMessageId: newest.id,
      added: fallenOut.length,
    });
    return recorded && fallenOut.length === MESSAGES_PER_CALL;
  }

  return {
    queue: {
      name: THREAD_SUMMARY_QUEUE,
      options: { retryLimit: 3, retryDelay: 2, retryBackoff: true, expireInSeconds: 600 },
      deadLetter: true,
      // One job per session at a time (its singleton key): a turn's request while one is queued or
      // running is dropped, and the next turn asks again if there is still enough to summarize.
      policy: 'exclusive',
    },
    concurrency: 2,
    handle: async (job) => {
      try {
        for (let call = 0; call < CALLS_PER_JOB; call += 1) {
          if (!(await summarizeOnce(job.data, job.signal))) return;
        }
      } catch (error) {
        // The session's agent is gone: there is nothing to summarize for any more.
        if (error instanceof NotFoundError) return;
        throw error;
      }
    },
  };
}
