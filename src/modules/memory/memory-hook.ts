import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { EndedTurn, TurnHook } from '../execution/index.ts';
import { MEMORY_QUEUE, type MemoryJobData } from './memory-job.ts';
import { extractMemoriesFromMessage, mayStateMemories } from './offline-memory-extractor.ts';

/**
 * The turns where a person talks to the agent. Tasks, analysis items and answers in a response
 * schema are work on data, not a person telling the agent about themself: remembering their
 * content would fill the user's namespace with documents.
 */
const conversationalTriggers: ReadonlySet<EndedTurn['trigger']> = new Set(['chat', 'channel']);

/**
 * Whether a turn may leave something to remember, decided without I/O: a completed conversational
 * turn of an agent with use_memory_context, in a session (its exchange is stored there), whose
 * message states something. For the offline model that is exact (its extraction is the pure
 * pattern reading); for a provider's model, a message of questions and greetings only is skipped.
 */
function mayLearnFrom(turn: EndedTurn): boolean {
  if (turn.status !== 'completed' || !turn.agent.memoryEnabled) return false;
  if (!conversationalTriggers.has(turn.trigger) || turn.structuredOutput !== null) return false;
  if (turn.sessionId === null || turn.userMessageId === null || turn.assistantMessageId === null)
    return false;
  return turn.model.provider.type === 'offline'
    ? extractMemoriesFromMessage(turn.message).length > 0
    : mayStateMemories(turn.message);
}

/**
 * After a completed turn, inside the transaction that stores it: asks for the memory job
 * (memory-job.ts), so that the job exists if and only if the turn is stored. Turns without a
 * session (and so without an end user) are not remembered.
 */
export function memoryHook(queue: Pick<JobQueue, 'send'>): TurnHook {
  return {
    name: 'memories',
    appliesTo: mayLearnFrom,
    async afterTurn(turn, tx) {
      if (turn.sessionId === null || turn.userMessageId === null || turn.assistantMessageId === null) return;
      const data: MemoryJobData = {
        organizationId: turn.principal.organizationId,
        agentId: turn.agent.id,
        agentVersion: turn.agent.version,
        sessionId: turn.sessionId,
        userId: turn.sessionUserId,
        runId: turn.runId,
        userMessageId: turn.userMessageId,
        assistantMessageId: turn.assistantMessageId,
        role: turn.principal.role,
        actingUserId: turn.principal.userId,
        actingApiKeyId: turn.principal.apiKeyId,
      };
      await queue.send(MEMORY_QUEUE, data, { tx });
    },
  };
}
