import type { Logger } from 'pino';
import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AgentView } from '../agents/index.ts';
import type { ResolvedModel, TurnRegistry } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { MemoryEmbeddings } from './memory-embeddings.ts';
import { createMemoryExtractor } from './memory-extraction.ts';
import { memoryHook } from './memory-hook.ts';
import { memoryJob, type ReadMessage } from './memory-job.ts';
import type { AnnounceStoredMemories } from './memory-presence.ts';

export interface MemoryWritingOptions {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  jobs: JobRegistry;
  turnRegistry: Pick<TurnRegistry, 'addHook'>;
  /** The agent as turns run it (the agents module's `forTurn`). */
  agentForTurn(principal: Principal, agentId: string): Promise<AgentView>;
  /** The agent's model as its turns call it (the execution module's `resolveModel`). */
  resolveModel(principal: Principal, agent: AgentView): Promise<ResolvedModel>;
  /** A message of a session (the conversations module's `getMessage`). */
  readMessage: ReadMessage;
  /** Asks for the embedding of the memories learnt (memory-embeddings.ts). */
  embeddings: Pick<MemoryEmbeddings, 'requester'>;
  /** Tells every process that an agent has new memories (memory-presence.ts). */
  announce: AnnounceStoredMemories;
  log: Pick<Logger, 'warn'>;
}

/**
 * How memories are written (docs/memory.md): the after-turn hook that asks for a memory job for a
 * completed turn in a session, and the job that extracts what the turn leaves to remember and
 * stores it. Registered once the turn engine exists.
 */
export function registerMemoryWriting(options: MemoryWritingOptions) {
  const extract = createMemoryExtractor({ resolveModel: options.resolveModel, log: options.log });
  options.jobs.add(
    memoryJob({
      db: options.db,
      agentForTurn: options.agentForTurn,
      readMessage: options.readMessage,
      extract,
      embeddings: options.embeddings,
      announce: options.announce,
    }),
  );
  options.turnRegistry.addHook(memoryHook(options.queue));
}
