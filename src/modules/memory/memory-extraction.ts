import type { Logger } from 'pino';
import type { AgentView } from '../agents/index.ts';
import type { ResolvedModel } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ExtractedMemory } from './extracted-memory.ts';
import { askForMemories, type MemoryExchange, readModelMemories } from './model-memory-extractor.ts';
import { extractMemoriesFromMessage } from './offline-memory-extractor.ts';

export type { ExtractedMemory } from './extracted-memory.ts';
export type { MemoryExchange } from './model-memory-extractor.ts';

/** What one turn's exchange leaves to remember, with the agent's model. A failed model call throws. */
export type MemoryExtractor = (
  principal: Principal,
  agent: AgentView,
  exchange: MemoryExchange,
  context: { runId: string; signal: AbortSignal },
) => Promise<ExtractedMemory[]>;

/**
 * Extraction with the agent's model, resolved as its turns resolve it (retries, circuit breaker,
 * fallback model). The offline model extracts deterministically from the user's message; so does a
 * provider's model whose answer is not a valid memories object (logged). When the offline fallback
 * answered, the deterministic extraction stands too.
 */
export function createMemoryExtractor({
  resolveModel,
  log,
}: {
  resolveModel(principal: Principal, agent: AgentView): Promise<ResolvedModel>;
  log: Pick<Logger, 'warn'>;
}): MemoryExtractor {
  return async (principal, agent, exchange, { runId, signal }) => {
    const resolved = await resolveModel(principal, agent);
    if (resolved.primary.provider.type === 'offline') return extractMemoriesFromMessage(exchange.message);
    const text = await askForMemories(resolved.model, exchange, signal);
    if (resolved.answered().provider.type === 'offline') return extractMemoriesFromMessage(exchange.message);
    const read = readModelMemories(text);
    if (read.ok) return read.memories;
    log.warn(
      { agent_id: agent.id, run_id: runId, problems: read.problems.slice(0, 5) },
      'the model’s memory extraction was not a valid memories object: extracted without it',
    );
    return extractMemoriesFromMessage(exchange.message);
  };
}
