import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AgentView } from '../agents/index.ts';
import type { TurnRegistry } from '../execution/index.ts';
import type { OrganizationEmbeddings } from '../knowledge/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { createRecallRecorder } from './memory-access.ts';
import { createMemorySource } from './memory-context-source.ts';
import { createMemoryEmbeddings } from './memory-embeddings.ts';
import { memoryEmbeddingJob } from './memory-embeddings-job.ts';
import { memoryVectorMessage, prepareMemoryEmbeddings } from './memory-embeddings-table.ts';
import { createMemoryPresence } from './memory-presence.ts';
import { createMemoryRecall } from './memory-recall.ts';
import { memoryRetentionJob } from './memory-retention-job.ts';
import { memoryRoutes } from './memory-routes.ts';
import { createMemoryService } from './memory-service.ts';
import { type MemoryWritingOptions, registerMemoryWriting } from './memory-writing.ts';

export interface MemoryOptions {
  db: Database;
  guard: AccessGuard;
  jobs: JobRegistry;
  turnRegistry: TurnRegistry;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent(principal: Principal, agentId: string): Promise<AgentView>;
  /** A session as GET /sessions/{id} shows it (403/404), from the conversations module. */
  readSession(
    principal: Principal,
    sessionId: string,
  ): Promise<{ agent_id: string | null; user_id: string | null }>;
  /** What learning from turns needs besides (memory-writing.ts): the queue, the agent's model, the turn's messages. */
  writing: Pick<MemoryWritingOptions, 'queue' | 'agentForTurn' | 'resolveModel' | 'readMessage'>;
  /** The organization's embedding model and this database's vector support, from the knowledge module. */
  embeddings: OrganizationEmbeddings;
  /** Where the memories an agent gains are announced, and heard by this process's presence cache. */
  events: Pick<EventBus, 'publish' | 'watch'>;
}

/**
 * Long-term memory (seed 001 phase 3, docs/memory.md): what agents remember in their own, their
 * end users' and their threads' namespaces; learnt after each turn (memory-writing.ts), recalled
 * into every turn of an agent with use_memory_context by the memory context source, managed
 * through the memory API, and deleted by the retention job once unused for the agent's
 * memory_retention days. Where vectors are supported, memories are embedded in the background
 * with the organization's embedding model, and recall blends vector similarity into relevance.
 */
export async function registerMemory(app: FastifyInstance, options: MemoryOptions) {
  const { db } = options;
  const vectorSupport = await prepareMemoryEmbeddings(db, options.embeddings.vectorSupport);
  app.log.info({ memory_recall_mode: vectorSupport.mode }, memoryVectorMessage(vectorSupport));
  const embeddings = createMemoryEmbeddings({
    db,
    queue: options.writing.queue,
    models: options.embeddings,
    vectorSupport,
    log: app.log,
  });
  options.embeddings.onModelChanged(embeddings.modelChanged);
  options.jobs.add(memoryEmbeddingJob(embeddings));
  const recall = createMemoryRecall(db, embeddings);
  const recorder = createRecallRecorder(db, (error) =>
    app.log.warn({ err: error }, 'recording recalled memories failed'),
  );
  app.addHook('onClose', () => recorder.flush());
  const presence = createMemoryPresence(db, options.events);
  options.events.watch(presence.watcher);
  const { source, hook } = createMemorySource({ recall, recorder, presence });
  options.turnRegistry.addContextSource(source);
  options.turnRegistry.addHook(hook);

  const service = createMemoryService({
    db,
    requireAgent: options.requireAgent,
    readSession: options.readSession,
    recall,
    embeddings,
    announce: presence.announce,
  });
  await app.register(memoryRoutes(service, options.guard), { prefix: '/api/v1' });
  options.jobs.add(memoryRetentionJob(db));
  registerMemoryWriting({
    db,
    jobs: options.jobs,
    turnRegistry: options.turnRegistry,
    log: app.log,
    embeddings,
    announce: presence.announce,
    ...options.writing,
  });
}
