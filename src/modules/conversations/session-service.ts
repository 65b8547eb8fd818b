import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import {
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../platform/http/errors.ts';
import { type Principal, projectFor } from '../tenancy/index.ts';
import { toSessionView } from './conversation-views.ts';
import { softDeleteMessagesOfSessions } from './message-repository.ts';
import * as repository from './session-repository.ts';
import type {
  CreateSessionBody,
  ListSessionsQuery,
  SessionView,
  UpdateSessionBody,
} from './session-schemas.ts';
import { UNSUMMARIZED_BACKLOG_MESSAGES } from './thread-summary-hook.ts';

/**
 * The agent (with its project) when the principal may see it; otherwise throws the agents
 * module's 403 (another organization's or project's agent) or 404. The agents module provides it.
 */
export type RequireAgent = (principal: Principal, agentId: string) => Promise<{ project_id: string | null }>;

export interface OpenSessionRequest {
  /** Continue this session; a new one is planned when absent. */
  sessionId?: string | undefined;
  /** The id of the session to start when there is none to continue. */
  newSessionId: string;
  agentId: string;
  /** The agent's project: a session without an agent joins it when the turn binds the session. */
  agentProjectId: string | null;
  userId?: string | undefined;
  /**
   * How many of the latest messages to read (the agent's thread window); the messages before them
   * that the summary does not cover yet are read too, up to `UNSUMMARIZED_BACKLOG_MESSAGES`.
   */
  historyWindow: number;
}

/** The session a turn runs in. */
export interface OpenedSession {
  id: string;
  /** Planned by this call: the turn writes it. */
  created: boolean;
  userId: string | null;
  /** The latest user and assistant messages (the window and the unsummarized backlog), oldest first. */
  history: { role: 'user' | 'assistant'; content: string }[];
  /** The summary of older messages, fallen out of the window (thread-summary-job.ts); null until one is made. */
  summary: { content: string; messageCount: number } | null;
  /** How many messages the session holds, as read. */
  messageCount: number;
  /**
   * Present when the session has no agent yet (seed 004): makes it `agentId`'s for good, or throws
   * 400 session_agent_mismatch when another agent's turn did so first. A turn calls it once
   * planned; a preview, which only reads, does not.
   */
  bindAgent?: () => Promise<void>;
}

export function createSessionService({ db, requireAgent }: { db: Database; requireAgent: RequireAgent }) {
  const findSession = repository.prepareSessionLookup(db);
  const findThread = repository.prepareThreadLookup();

  async function requireSession(principal: Principal, sessionId: string) {
    return requireInScope(await findSession(principal, sessionId), 'Session', () =>
      repository.findSessionOrganization(db, sessionId),
    );
  }

  /**
   * The project of a new session: its agent's (the agent must be visible to the principal, and a
   * project_id naming another is 422), else the one it names (`projectFor`). `agents` remembers
   * the agents checked, so that a batch checks each once.
   */
  async function projectOfNew(
    principal: Principal,
    body: CreateSessionBody,
    agents = new Map<string, Promise<{ project_id: string | null }>>(),
  ): Promise<string | null> {
    if (body.agent_id === undefined) return projectFor(db, principal, body.project_id);
    const agentId = body.agent_id;
    if (!agents.has(agentId)) agents.set(agentId, requireAgent(principal, agentId));
    const agent = await (agents.get(agentId) as Promise<{ project_id: string | null }>);
    if (body.project_id !== undefined && body.project_id !== agent.project_id) {
      throw new ValidationError('A session is in its agent’s project', [
        {
          field: 'project_id',
          value: body.project_id,
          message: `must be the agent’s project (${agent.project_id})`,
        },
      ]);
    }
    return agent.project_id;
  }

  const agentMismatch = () =>
    new BadRequestError('session_agent_mismatch', 'The session belongs to another agent');

  /** Binds a session without an agent to `agent`, unless another agent's turn bound it first. */
  async function bindAgent(
    principal: Principal,
    sessionId: string,
    agent: { id: string; projectId: string | null },
  ) {
    if (await repository.bindSessionAgent(db, principal, sessionId, agent)) return;
    // Not bound by this call: it is another agent's by now (or the same one's), of another project, or gone (404).
    const session = await requireSession(principal, sessionId);
    if (session.agentId === null) {
      throw new BadRequestError(
        'session_project_mismatch',
        'The session belongs to another project than the agent',
      );
    }
    if (session.agentId !== agent.id) throw agentMismatch();
  }

  const newSession = (
    principal: Principal,
    body: CreateSessionBody,
    projectId: string | null,
  ): repository.SessionInsert => ({
    id: uuidv7(),
    organizationId: principal.organizationId,
    projectId,
    agentId: body.agent_id ?? null,
    userId: body.user_id ?? null,
    title: body.title ?? null,
    metadata: body.metadata ?? {},
    createdByUserId: principal.userId,
    createdByApiKeyId: principal.apiKeyId,
  });

  async function create(principal: Principal, body: CreateSessionBody): Promise<SessionView> {
    const projectId = await projectOfNew(principal, body);
    const [row] = await repository.insertSessions(db, [newSession(principal, body, projectId)]);
    return toSessionView(row as repository.SessionRow);
  }

  return {
    create,

    /**
     * All or nothing: every agent and project named is checked first, in order (each agent once),
     * then one INSERT writes the whole batch.
     */
    async createMany(principal: Principal, bodies: CreateSessionBody[]): Promise<SessionView[]> {
      const agents = new Map<string, Promise<{ project_id: string | null }>>();
      const projects: (string | null)[] = [];
      for (const body of bodies) projects.push(await projectOfNew(principal, body, agents));
      const inserts = bodies.map((body, index) => newSession(principal, body, projects[index] ?? null));
      const rows = await repository.insertSessions(db, inserts);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return inserts.map((insert) => toSessionView(byId.get(insert.id) as repository.SessionRow));
    },

    async get(principal: Principal, sessionId: string): Promise<SessionView> {
      return toSessionView(await requireSession(principal, sessionId));
    },

    async list(principal: Principal, query: ListSessionsQuery) {
      const { limit, offset, ...filters } = query;
      const { rows, total } = await repository.listSessions(db, principal, filters, { limit, offset });
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
      const row = await requireInScope(
        await repository.updateSession(db, principal, sessionId, change),
        'Session',
        () => repository.findSessionOrganization(db, sessionId),
      );
      return toSessionView(row);
    },

    /** Soft delete of the session and its messages, together. */
    async remove(principal: Principal, sessionId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const deleted = await repository.softDeleteSessions(tx, principal, [sessionId]);
        await requireInScope(deleted[0], 'Session', () => repository.findSessionOrganization(tx, sessionId));
        await softDeleteMessagesOfSessions(tx, principal, deleted);
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
        if (principal.projectId && found.some((session) => session.projectId !== principal.projectId)) {
          throw new ForbiddenError('At least one of the sessions belongs to another project');
        }
        const foundIds = new Set(found.map((session) => session.id));
        const missing = wanted.filter((id) => !foundIds.has(id));
        if (missing.length > 0) {
          throw new NotFoundError(`${missing.length === 1 ? 'Session' : 'Sessions'} ${missing.join(', ')}`);
        }
        await repository.softDeleteSessions(tx, principal, wanted);
        await softDeleteMessagesOfSessions(tx, principal, wanted);
      });
    },

    /**
     * For the turn engine: continues `sessionId` (it must be the agent's and, when both name one,
     * the end user's), with its last `historyWindow` user and assistant messages, in one read; or,
     * without one, plans a new session under `newSessionId`, written with the turn's first record.
     * A session without an agent is readable by any agent's turn, and offers `bindAgent`.
     */
    async openSession(principal: Principal, request: OpenSessionRequest): Promise<OpenedSession> {
      if (!request.sessionId) {
        return {
          id: request.newSessionId,
          created: true,
          userId: request.userId ?? null,
          history: [],
          summary: null,
          messageCount: 0,
        };
      }
      const { sessionId } = request;
      const thread = await requireInScope(
        await findThread(db, principal, sessionId, {
          window: request.historyWindow,
          // A turn that reads no window reads no backlog either.
          backlog: request.historyWindow > 0 ? UNSUMMARIZED_BACKLOG_MESSAGES : 0,
        }),
        'Session',
        () => repository.findSessionOrganization(db, sessionId),
      );
      if (thread.agentId !== null && thread.agentId !== request.agentId) throw agentMismatch();
      if (request.userId && thread.userId && thread.userId !== request.userId) {
        throw new BadRequestError('session_user_mismatch', 'The session belongs to another end user');
      }
      // Only trusted server code writes instructions, and tool results live in their runs: stored
      // system and tool messages are not replayed.
      const history = thread.history.filter(
        (message): message is OpenedSession['history'][number] =>
          message.role === 'user' || message.role === 'assistant',
      );
      const summary =
        thread.summary === null
          ? null
          : { content: thread.summary, messageCount: thread.summaryMessageCount };
      return {
        id: thread.id,
        created: false,
        userId: thread.userId,
        history,
        summary,
        messageCount: thread.messageCount,
        ...(thread.agentId === null
          ? {
              bindAgent: () =>
                bindAgent(principal, sessionId, { id: request.agentId, projectId: request.agentProjectId }),
            }
          : {}),
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
