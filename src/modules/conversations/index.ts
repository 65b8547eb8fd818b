import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { messageRoutes } from './message-routes.ts';
import { createMessageService } from './message-service.ts';
import { sessionRoutes } from './session-routes.ts';
import { createSessionService, type RequireAgent } from './session-service.ts';

export type { MessageRole } from './conversation-tables.ts';
export type { MessageView } from './message-schemas.ts';
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
      searchMessages: messages.search,
    },
  };
}

export type Conversations = Awaited<ReturnType<typeof registerConversations>>['conversations'];
