import type { z } from 'zod';
import type { Database, Executor } from '../../platform/db/database.ts';
import { violatedConstraint } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { BadRequestError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import { toMessageView } from './conversation-views.ts';
import * as repository from './message-repository.ts';
import type {
  createMessageBody,
  FeedbackBody,
  ListMessagesQuery,
  MessageView,
  UpdateMessageBody,
} from './message-schemas.ts';
import { adjustMessageCount, findSession, findSessionOrganization } from './session-repository.ts';
import { titleFromMessage } from './session-title.ts';

type ValidMessage = z.output<typeof createMessageBody>;

/** uuidv7 is time-ordered only to the millisecond: sorting a batch's ids keeps it in order. */
const orderedIds = (count: number) => Array.from({ length: count }, () => uuidv7()).sort();

export function createMessageService({ db }: { db: Database }) {
  const insertCountedMessages = repository.prepareCountedInsert();

  async function requireSession(executor: Executor, principal: Principal, sessionId: string) {
    return requireInScope(await findSession(executor, principal, sessionId), 'Session', () =>
      findSessionOrganization(executor, sessionId),
    );
  }

  async function requireMessage(principal: Principal, messageId: string) {
    return requireInScope(await repository.findMessage(db, principal, messageId), 'Message', () =>
      repository.findMessageOrganization(db, messageId),
    );
  }

  /** Parents must be live messages of the same session; another session's id reads as invalid. */
  async function checkParents(tx: Executor, principal: Principal, sessionId: string, inputs: ValidMessage[]) {
    const parentIds = [
      ...new Set(inputs.flatMap((input) => (input.parent_message_id ? [input.parent_message_id] : []))),
    ];
    if (parentIds.length === 0) return;
    const found = await repository.findMessageIdsInSession(tx, principal, sessionId, parentIds);
    const invalid = parentIds.filter((id) => !found.has(id));
    if (invalid.length > 0) {
      throw new BadRequestError(
        'invalid_parent_message',
        'parent_message_id must name a message of the same session',
        { parent_message_ids: invalid },
      );
    }
  }

  /**
   * The messages and the session's counters commit together, in one transaction; a user message
   * titles a session that has no title yet (`titleOnUserMessage`).
   */
  async function insert(principal: Principal, sessionId: string, inputs: ValidMessage[]) {
    const firstUserMessage = inputs.find((input) => input.role === 'user');
    const title = firstUserMessage ? titleFromMessage(firstUserMessage.content) : null;
    const rows = await db.transaction(async (tx) => {
      const ids = orderedIds(inputs.length);
      const values = inputs.map((input, index) => ({
        id: ids[index] as string,
        organizationId: principal.organizationId,
        sessionId,
        role: input.role,
        content: input.content,
        metadata: input.metadata ?? {},
        toolCalls: input.tool_calls ?? [],
        parentMessageId: input.parent_message_id ?? null,
      }));
      // The prepared insert knows the organization only: a project-scoped caller's session is
      // checked here, by the scoped counter update.
      if (principal.projectId || inputs.some((input) => input.parent_message_id)) {
        // The atomic counter update is also the existence check and locks the session row,
        // before the parents are checked.
        await requireInScope(
          await adjustMessageCount(tx, principal, sessionId, inputs.length, title),
          'Session',
          () => findSessionOrganization(tx, sessionId),
        );
        await checkParents(tx, principal, sessionId, inputs);
        return repository.insertMessages(tx, values);
      }
      // Without parents to check first, the counter update and the insert are one statement.
      let inserted: repository.MessageRow[] | undefined;
      try {
        inserted = await insertCountedMessages(tx, principal, sessionId, values, title);
      } catch (error) {
        // No session row at all (the insert's foreign key): a missing session, like a deleted one.
        if (violatedConstraint(error) === 'messages_session_id_sessions_id_fk')
          throw new NotFoundError('Session');
        throw error;
      }
      // Another organization's or a deleted session: the transaction rolls the insert back.
      return requireInScope(inserted, 'Session', () => findSessionOrganization(tx, sessionId));
    });
    return rows.map(toMessageView);
  }

  async function change(
    principal: Principal,
    messageId: string,
    values: Parameters<typeof repository.updateMessage>[3],
  ): Promise<MessageView> {
    const row = await requireInScope(
      await repository.updateMessage(db, principal, messageId, values),
      'Message',
      () => repository.findMessageOrganization(db, messageId),
    );
    return toMessageView(row);
  }

  return {
    async post(principal: Principal, sessionId: string, body: ValidMessage): Promise<MessageView> {
      const [message] = await insert(principal, sessionId, [body]);
      return message as MessageView;
    },

    /** For the execution pipeline's tools: full-text search in one session (web search syntax), oldest first. */
    async search(
      principal: Principal,
      sessionId: string,
      query: string,
      limit: number,
    ): Promise<MessageView[]> {
      await requireSession(db, principal, sessionId);
      const { rows } = await repository.listMessages(
        db,
        principal,
        sessionId,
        { search: query },
        { limit: Math.max(1, Math.floor(limit)), offset: 0 },
      );
      return rows.map(toMessageView);
    },

    /**
     * User messages of the agent's sessions (or of `sessionId`, which must be readable: 403/404)
     * in [from, to), oldest first, at most `limit`: what an analysis run over a time window reads.
     */
    async userMessagesInWindow(
      principal: Principal,
      window: { agentId: string; sessionId?: string | undefined; from: Date; to: Date; limit: number },
    ) {
      if (window.sessionId) await requireSession(db, principal, window.sessionId);
      return repository.userMessagesInWindow(db, principal, window);
    },

    async list(principal: Principal, sessionId: string, query: ListMessagesQuery) {
      await requireSession(db, principal, sessionId);
      const { limit, offset, ...filters } = query;
      const { rows, total } = await repository.listMessages(db, principal, sessionId, filters, {
        limit,
        offset,
      });
      return { items: rows.map(toMessageView), total };
    },

    async get(principal: Principal, messageId: string): Promise<MessageView> {
      return toMessageView(await requireMessage(principal, messageId));
    },

    /**
     * The given fields change; metadata is replaced as a whole. A role may be sent, as seed 004
     * sends the whole message, but only the message's own: roles never change.
     */
    async update(principal: Principal, messageId: string, body: UpdateMessageBody): Promise<MessageView> {
      const current = body.role === undefined ? undefined : await requireMessage(principal, messageId);
      if (current && current.role !== body.role) {
        throw new ValidationError("A message's role cannot change", [
          {
            field: 'role',
            value: body.role,
            message: `a message's role cannot change: this message's role is ${current.role}`,
          },
        ]);
      }
      const values: repository.MessageChange = {};
      if (body.content !== undefined) values.content = body.content;
      if (body.metadata !== undefined) values.metadata = body.metadata;
      if (Object.keys(values).length === 0) {
        return toMessageView(current ?? (await requireMessage(principal, messageId)));
      }
      return change(principal, messageId, values);
    },

    /** Replaces any earlier feedback on the message. */
    async feedback(principal: Principal, messageId: string, body: FeedbackBody): Promise<MessageView> {
      return change(principal, messageId, { feedbackScore: body.score, feedbackReason: body.reason ?? null });
    },

    /** Soft delete; the session's message count drops by one in the same transaction. */
    async remove(principal: Principal, messageId: string): Promise<void> {
      const message = await requireMessage(principal, messageId);
      await db.transaction(async (tx) => {
        // Session first, then message: the lock order of every other write, so no deadlock.
        if (!(await adjustMessageCount(tx, principal, message.sessionId, -1))) {
          throw new NotFoundError('Message');
        }
        if (!(await repository.softDeleteMessage(tx, principal, messageId))) {
          throw new NotFoundError('Message');
        }
      });
    },
  };
}

export type MessageService = ReturnType<typeof createMessageService>;
