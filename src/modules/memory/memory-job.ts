import type { Database } from '../../platform/db/database.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import type { AgentView } from '../agents/index.ts';
import { backgroundPrincipal, type Principal, type Role } from '../tenancy/index.ts';
import { learntFromRun, recordLearnedMemories } from './learned-memory-repository.ts';
import type { MemoryEmbeddings } from './memory-embeddings.ts';
import type { MemoryExtractor } from './memory-extraction.ts';
import type { AnnounceStoredMemories } from './memory-presence.ts';

export const MEMORY_QUEUE = 'memory-extraction';
/** The trigger of the background principal memories are learnt under. */
const MEMORY_TRIGGER = 'memory-extraction';

/** One completed turn to learn from: ids only, the job reads the exchange itself. */
export interface MemoryJobData {
  organizationId: string;
  agentId: string;
  /** The version the turn ran, for the record: the job works with the agent as it is now. */
  agentVersion: number;
  sessionId: string;
  /** The session's end user (its user_id), whose namespace statements about them also go to. */
  userId: string | null;
  runId: string;
  userMessageId: string;
  assistantMessageId: string;
  /** Who ran the turn: the job acts for them, with their role. */
  role: Role;
  actingUserId: string | null;
  actingApiKeyId: string | null;
}

/** A message of the turn's session, as the conversations module reads it (403/404 like GET /messages/{id}). */
export type ReadMessage = (
  principal: Principal,
  messageId: string,
) => Promise<{ session_id: string; content: string; created_at: string }>;

/**
 * Learns from a completed turn (docs/memory.md, "How memories are written"): reads the exchange,
 * extracts durable statements with the agent's model, and stores them in the thread's namespace
 * and, for those about the user, the user's. Nothing is stored when the agent no longer uses
 * memory, is gone, or the exchange was deleted meanwhile. A redelivered job stores nothing twice
 * (recordLearnedMemories). A failed model call fails the job, which is retried, then given up
 * (dead letter): the turn itself is long stored and unaffected. New memories are embedded by a
 * job of their own, asked for in the transaction that stores them.
 */
export function memoryJob({
  db,
  agentForTurn,
  readMessage,
  extract,
  embeddings,
  announce,
}: {
  db: Database;
  agentForTurn(principal: Principal, agentId: string): Promise<AgentView>;
  readMessage: ReadMessage;
  extract: MemoryExtractor;
  embeddings: Pick<MemoryEmbeddings, 'requester'>;
  announce: AnnounceStoredMemories;
}): JobDefinition<MemoryJobData> {
  async function learn(data: MemoryJobData, signal: AbortSignal) {
    const principal = backgroundPrincipal({
      organizationId: data.organizationId,
      trigger: MEMORY_TRIGGER,
      role: data.role,
      actingUserId: data.actingUserId,
      actingApiKeyId: data.actingApiKeyId,
    });
    const agent = await agentForTurn(principal, data.agentId);
    if (!agent.use_memory_context) return;
    const exchange = { ...data, messageId: data.userMessageId };
    // Before the model is asked: a redelivered job whose statements are stored has nothing to do.
    if (await learntFromRun(db, principal, exchange)) return;
    const [message, answer] = await Promise.all([
      readMessage(principal, data.userMessageId),
      readMessage(principal, data.assistantMessageId),
    ]);
    if (message.session_id !== data.sessionId || answer.session_id !== data.sessionId) return;
    const statements = await extract(
      principal,
      agent,
      { message: message.content, answer: answer.content },
      { runId: data.runId, signal },
    );
    if (statements.length === 0) return;
    const requestEmbedding = await embeddings.requester(principal);
    await recordLearnedMemories(
      db,
      principal,
      { ...exchange, statedAt: new Date(message.created_at) },
      statements,
      async (tx, stored) => {
        const created = stored.filter((memory) => !memory.reinforced).map((memory) => memory.row.id);
        await requestEmbedding?.(tx, created);
        await announce(tx, data.organizationId, data.agentId, created);
      },
    );
  }

  return {
    queue: {
      name: MEMORY_QUEUE,
      options: { retryLimit: 3, retryDelay: 2, retryBackoff: true, expireInSeconds: 300 },
      deadLetter: true,
    },
    concurrency: 2,
    handle: async (job) => {
      try {
        await learn(job.data, job.signal);
      } catch (error) {
        // The agent, the session or a message of the exchange is gone: there is nothing to learn.
        if (error instanceof NotFoundError) return;
        throw error;
      }
    },
  };
}
