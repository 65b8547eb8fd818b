import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { ThreadSummarizer, TurnRegistry } from '../execution/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { messageRoutes } from './message-routes.ts';
import { createMessageService } from './message-service.ts';
import { sessionRoutes } from './session-routes.ts';
import { createSessionService, type RequireAgent } from './session-service.ts';
import { threadSummaryHook } from './thread-summary-hook.ts';
import { threadSummaryJob } from './thread-summary-job.ts';

export type { MessageRole } from './conversation-tables.ts';
export type { MessageView } from './message-schemas.ts';
export { sessionProjectMembers } from './session-project-members.ts';
/** An agent's sessions follow it to another project (an `AgentMoveFollower`). */
export { moveAgentSessions as sessionsFollowAgent } from './session-repository.ts';
export type { SessionView } from './session-schemas.ts';
export type { OpenedSession, OpenSessionRequest, RequireAgent } from './session-service.ts';
export type { TurnSessionMessage, TurnSessionWrite } from './turn-session-parts.ts';
export { turnEndSessionsPart, turnStartSessionsPart } from './turn-session-parts.ts';

/** Sessions and their messages; returns the service API the execution pipeline uses. */
export async function registerConversations(
  app: FastifyInstance,
  options: { db: Database; guard: AccessGuard; requireAgent: RequireAgent },
) {
  const sessions = createSessionService({ db: options.db, requireAgent: options.requireAgent });
  const messages = createMessageService({ db: options.db });
  await app.register(sessionRoutes(sessions, options.guard), { prefix: '/api/v1' });
  await app.register(messageRoutes(messages, options.guard), { prefix: '/api/v1' });
  return {
    conversations: {
      openSession: sessions.openSession,
      getSession: sessions.get,
      /** A live message (403/404 like GET /messages/{id}): background work reading a turn's exchange. */
      getMessage: messages.get,
      searchMessages: messages.search,
      /** The user messages of an agent's sessions in a time window (analysis runs' items). */
      userMessagesInWindow: messages.userMessagesInWindow,
    },
  };
}

export type Conversations = Awaited<ReturnType<typeof registerConversations>>['conversations'];

/**
 * Thread summaries (seed 001's `context_summary`): the after-turn hook that asks for a session's
 * summary once enough messages fell out of the thread window, and the job that makes it with the
 * agent's model (`summarize`, the execution module's). Registered once the turn engine exists.
 */
export function registerThreadSummaries(options: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  jobs: JobRegistry;
  turnRegistry: Pick<TurnRegistry, 'addHook'>;
  summarize: ThreadSummarizer;
}) {
  options.jobs.add(threadSummaryJob({ db: options.db, summarize: options.summarize }));
  options.turnRegistry.addHook(threadSummaryHook(options.queue));
}
