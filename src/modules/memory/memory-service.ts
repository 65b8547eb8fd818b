import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { MemoryEmbeddings } from './memory-embeddings.ts';
import { contentKeyOf, type MemoryPlace, recallNamespaces } from './memory-namespaces.ts';
import type { AnnounceStoredMemories } from './memory-presence.ts';
import type { MemoryRecall } from './memory-recall.ts';
import * as repository from './memory-repository.ts';
import type {
  CreateMemoryBody,
  ListMemoriesQuery,
  MemorySearchView,
  SearchMemoriesBody,
  UpdateMemoryBody,
} from './memory-schemas.ts';
import { rounded } from './memory-scoring.ts';
import { storeMemories } from './memory-store.ts';
import { toMemoryView } from './memory-views.ts';

export interface MemoryServiceOptions {
  db: Database;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent(principal: Principal, agentId: string): Promise<AgentView>;
  /** A session as GET /sessions/{id} shows it (403/404), from the conversations module. */
  readSession(
    principal: Principal,
    sessionId: string,
  ): Promise<{ agent_id: string | null; user_id: string | null }>;
  recall: MemoryRecall;
  /** Asks for the embedding of what is written (memory-embeddings.ts). */
  embeddings: Pick<MemoryEmbeddings, 'requester'>;
  /** Tells every process that an agent has new memories (memory-presence.ts). */
  announce: AnnounceStoredMemories;
}

const sessionOfAnotherAgent = (sessionId: string) =>
  new ValidationError('The session is not one of this agent’s', [
    { field: 'session_id', value: sessionId, message: 'names a session of another agent (or of none yet)' },
  ]);

const anotherUser = (userId: string, sessionUser: string) =>
  new ValidationError('The session is with another end user', [
    { field: 'user_id', value: userId, message: `differs from the session’s user_id (${sessionUser})` },
  ]);

/** What the agent remembers, as the API reads and changes it (docs/memory.md). */
export function createMemoryService({
  db,
  requireAgent,
  readSession,
  recall,
  embeddings,
  announce,
}: MemoryServiceOptions) {
  /** A memory of an agent the caller may see (403 for another organization's, 404 otherwise). */
  async function requireMemory(principal: Principal, memoryId: string) {
    const memory = await requireInScope(await repository.findMemory(db, principal, memoryId), 'Memory', () =>
      repository.findMemoryOrganization(db, memoryId),
    );
    try {
      await requireAgent(principal, memory.agentId);
    } catch (error) {
      // A memory of a deleted agent (or one outside the caller's project) is not there for the caller.
      if (error instanceof NotFoundError) throw new NotFoundError('Memory');
      throw error;
    }
    return memory;
  }

  /** Where a memory added by hand goes: a thread memory's session must be the agent's. */
  async function placeOf(
    principal: Principal,
    agentId: string,
    body: CreateMemoryBody,
  ): Promise<MemoryPlace> {
    switch (body.scope) {
      case 'agent':
        return { scope: 'agent' };
      case 'user':
        return { scope: 'user', userId: body.user_id as string };
      case 'thread': {
        const sessionId = body.session_id as string;
        const session = await readSession(principal, sessionId);
        if (session.agent_id !== agentId) throw sessionOfAnotherAgent(sessionId);
        if (body.user_id !== undefined && session.user_id !== null && body.user_id !== session.user_id) {
          throw anotherUser(body.user_id, session.user_id);
        }
        return { scope: 'thread', sessionId, userId: session.user_id ?? body.user_id ?? null };
      }
    }
  }

  return {
    async list(principal: Principal, agentId: string, query: ListMemoriesQuery) {
      await requireAgent(principal, agentId);
      const { limit, offset, ...filters } = query;
      const page: Page = { limit, offset };
      const { rows, total } = await repository.listMemories(
        db,
        principal,
        agentId,
        {
          scope: filters.scope,
          namespace: filters.namespace,
          userId: filters.user_id,
          sessionId: filters.session_id,
          kind: filters.kind,
          search: filters.search,
        },
        page,
      );
      return { items: rows.map(toMemoryView), total };
    },

    /**
     * Adds a memory by hand. A statement its namespace already holds (same words, whatever the
     * case and punctuation) reinforces that memory instead: `reinforced` says which happened. A
     * new memory is embedded in the background when the organization has an embedding model.
     */
    async create(principal: Principal, agentId: string, body: CreateMemoryBody) {
      await requireAgent(principal, agentId);
      const place = await placeOf(principal, agentId, body);
      const requestEmbedding = await embeddings.requester(principal);
      const stored = await db.transaction(async (tx) => {
        const [row] = await storeMemories(tx, [
          {
            organizationId: principal.organizationId,
            agentId,
            place,
            kind: body.kind,
            content: body.content,
            metadata: body.metadata,
            createdByUserId: principal.userId,
            createdByApiKeyId: principal.apiKeyId,
          },
        ]);
        if (row && !row.reinforced) {
          await requestEmbedding?.(tx, [row.row.id]);
          await announce(tx, principal.organizationId, agentId, [row.row.id]);
        }
        return row;
      });
      if (!stored) throw new Error('Storing a memory returned nothing');
      return { ...toMemoryView(stored.row), reinforced: stored.reinforced };
    },

    async get(principal: Principal, memoryId: string) {
      return toMemoryView(await requireMemory(principal, memoryId));
    },

    /**
     * Changes content, kind or metadata (replaced); new content must not restate another memory of
     * its namespace (409), and is embedded again in the background.
     */
    async update(principal: Principal, memoryId: string, body: UpdateMemoryBody) {
      const memory = await requireMemory(principal, memoryId);
      const contentKey = body.content === undefined ? undefined : contentKeyOf(body.content);
      const requestEmbedding =
        body.content !== undefined && body.content !== memory.content
          ? await embeddings.requester(principal)
          : null;
      try {
        const updated = await db.transaction(async (tx) => {
          const row = await repository.updateMemory(tx, principal, memoryId, {
            ...(body.content !== undefined ? { content: body.content, contentKey } : {}),
            ...(body.kind !== undefined ? { kind: body.kind } : {}),
            ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
          });
          if (row) await requestEmbedding?.(tx, [row.id]);
          return row;
        });
        if (!updated) throw new NotFoundError('Memory');
        return toMemoryView(updated);
      } catch (error) {
        if (!isUniqueViolation(error) || contentKey === undefined) throw error;
        const existing = await repository.findMemoryByKey(db, principal, {
          agentId: memory.agentId,
          namespace: memory.namespace,
          contentKey,
        });
        throw new ConflictError('memory_exists', 'Another memory of this namespace already states this', {
          memory_id: existing ?? null,
        });
      }
    },

    async remove(principal: Principal, memoryId: string): Promise<void> {
      await requireMemory(principal, memoryId);
      if (!(await repository.deleteMemory(db, principal, memoryId))) throw new NotFoundError('Memory');
    },

    /** What a turn with this message would recall, scored, without reinforcing anything. */
    async search(principal: Principal, agentId: string, body: SearchMemoriesBody): Promise<MemorySearchView> {
      const agent = await requireAgent(principal, agentId);
      const namespaces = recallNamespaces(principal.organizationId, agentId, {
        userId: body.user_id,
        sessionId: body.session_id,
      });
      const { alpha_recency, alpha_semantic, alpha_reinforcement } = agent.memory;
      const weights = { alpha_recency, alpha_semantic, alpha_reinforcement };
      const recalled = await recall(principal, {
        agentId,
        namespaces,
        query: body.query,
        k: body.k ?? agent.memory.k,
        weights,
      });
      return {
        query: body.query,
        namespaces,
        weights,
        retrieval_mode: recalled.mode,
        memories: recalled.memories.map(({ memory, score, components }) => ({
          ...toMemoryView(memory),
          score: rounded(score),
          components: {
            recency: rounded(components.recency),
            relevance: rounded(components.relevance),
            text_relevance: rounded(components.textRelevance),
            vector_similarity:
              components.vectorSimilarity === null ? null : rounded(components.vectorSimilarity),
            reinforcement: rounded(components.reinforcement),
          },
        })),
      };
    },

    /** Deletes everything the agent remembers of an end user (422 without one); returns the count. */
    async forgetUser(principal: Principal, agentId: string, userId: string | undefined) {
      await requireAgent(principal, agentId);
      if (userId === undefined) {
        throw new ValidationError('Name the end user to forget', [
          { field: 'user_id', message: 'is required', location: 'querystring' },
        ]);
      }
      return { user_id: userId, deleted: await repository.forgetUser(db, principal, agentId, userId) };
    },
  };
}

export type MemoryService = ReturnType<typeof createMemoryService>;
