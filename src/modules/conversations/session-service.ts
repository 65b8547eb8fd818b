import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import { missingSession } from './conversation-access.ts';
import { toSessionView } from './conversation-views.ts';
import { softDeleteMessagesOfSessions } from './message-repository.ts';
import * as repository from './session-repository.ts';
import type {
  CreateSessionBody,
  ListSessionsQuery,
  SessionView,
  UpdateSessionBody,
} from './session-schemas.ts';

/**
 * Resolves when the agent is one of the principal's organization; otherwise throws the agents
 * module's 403 (another organization's agent) or 404. The agents module provides it.
 */
export type RequireAgent = (principal: Principal, agentId: string) => Promise<unknown>;

export interface SessionRequest {
  /** Continue this session; a new one is created when absent. */
  sessionId?: string | undefined;
  agentId: string;
  userId?: string | undefined;
  title?: string | undefined;
}

export function createSessionService({ db, requireAgent }: { db: Database; requireAgent: RequireAgent }) {
  const findSession = repository.prepareSessionLookup(db);

  async function requireSession(principal: Principal, sessionId: string) {
    return (await findSession(principal.organizationId, sessionId)) ?? missingSession(db, sessionId);
  }

  /** Checks each distinct agent once, in order, before anything is written. */
  async function requireAgents(principal: Principal, agentIds: string[]) {
    for (const agentId of new Set(agentIds)) await requireAgent(principal, agentId);
  }

  const newSession = (principal: Principal, body: CreateSessionBody): repository.SessionInsert => ({
    id: uuidv7(),
    organizationId: principal.organizationId,
    agentId: body.agent_id,
    userId: body.user_id ?? null,
    title: body.title ?? null,
    metadata: body.metadata ?? {},
    createdByUserId: principal.userId,
    createdByApiKeyId: principal.apiKeyId,
  });

  async function create(principal: Principal, body: CreateSessionBody): Promise<SessionView> {
    await requireAgent(principal, body.agent_id);
    const [row] = await repository.insertSessions(db, [newSession(principal, body)]);
    return toSessionView(row as repository.SessionRow);
  }

  return {
    create,

    /** All or nothing: every agent is checked first, then one INSERT writes the whole batch. */
    async createMany(principal: Principal, bodies: CreateSessionBody[]): Promise<SessionView[]> {
      await requireAgents(
        principal,
        bodies.map((body) => body.agent_id),
      );
      const inserts = bodies.map((body) => newSession(principal, body));
      const rows = await repository.insertSessions(db, inserts);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return inserts.map((insert) => toSessionView(byId.get(insert.id) as repository.SessionRow));
    },

    async get(principal: Principal, sessionId: string): Promise<SessionView> {
      return toSessionView(await requireSession(principal, sessionId));
    },

    async list(principal: Principal, query: ListSessionsQuery) {
      const { limit, offset, ...filters } = query;
      const { rows, total } = await repository.listSessions(db, principal.organizationId, filters, {
        limit,
        offset,
      });
      return { items: rows.map(toSessionView), total };
    },

    /** PUT and PATCH: the given fields change, the others stay; metadata is replaced as a whole. */
    async update(principal: Principal, sessionId: string, body: UpdateSessionBody): Promise<SessionView> {
      const change: repository.SessionChange = {};
      if (body.title !== undefined) change.title = body.title;
      if (body.user_id !== undefined) change.userId = body.user_id;
      if (body.status !== undefined) change.status = body.status;
      if (body.metadata !== undefined) change.metadata = body.metadata;
      if (Object.keys(change).length === 0) return toSessionView(await requireSession(principal, sessionId));
      const row =
        (await repository.updateSession(db, principal.organizationId, sessionId, change)) ??
        (await missingSession(db, sessionId));
      return toSessionView(row);
    },

    /** Soft delete of the session and its messages, together. */
    async remove(principal: Principal, sessionId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const deleted = await repository.softDeleteSessions(tx, principal.organizationId, [sessionId]);
        if (deleted.length === 0) await missingSession(tx, sessionId);
        await softDeleteMessagesOfSessions(tx, principal.organizationId, deleted);
      });
    },

    /**
     * Deletes every listed session or none: any session of another organization is a 403, any
     * unknown or already deleted one a 404, and then nothing is deleted.
     */
    async removeMany(principal: Principal, sessionIds: string[]): Promise<void> {
      const wanted = [...new Set(sessionIds)];
      await db.transaction(async (tx) => {
        // Locked so that a concurrent delete cannot slip between the check and the writes.
        const found = await repository.lockSessions(tx, wanted);
        if (found.some((session) => session.organizationId !== principal.organizationId)) {
          throw new ForbiddenError('At least one of the sessions belongs to another organization');
        }
        const foundIds = new Set(found.map((session) => session.id));
        const missing = wanted.filter((id) => !foundIds.has(id));
        if (missing.length > 0) {
          throw new NotFoundError(`${missing.length === 1 ? 'Session' : 'Sessions'} ${missing.join(', ')}`);
        }
        await repository.softDeleteSessions(tx, principal.organizationId, wanted);
        await softDeleteMessagesOfSessions(tx, principal.organizationId, wanted);
      });
    },

    /**
     * For the execution pipeline: continues `sessionId` when given (it must be the same agent's
     * and, when both name one, the same end user's), otherwise starts a new session.
     */
    async getOrCreate(
      principal: Principal,
      request: SessionRequest,
    ): Promise<{ session: SessionView; created: boolean }> {
      if (!request.sessionId) {
        const session = await create(principal, {
          agent_id: request.agentId,
          user_id: request.userId,
          title: request.title,
        });
        return { session, created: true };
      }
      const row = await requireSession(principal, request.sessionId);
      if (row.agentId !== request.agentId) {
        throw new BadRequestError('session_agent_mismatch', 'The session belongs to another agent');
      }
      if (request.userId && row.userId && row.userId !== request.userId) {
        throw new BadRequestError('session_user_mismatch', 'The session belongs to another end user');
      }
      return { session: toSessionView(row), created: false };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
