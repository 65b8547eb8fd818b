import type { ChatBody, ChatResponse } from './chat-schemas.ts';
import type { ContextReference } from './context-pipeline.ts';
import type { ExecuteBody, ExecutionResponse } from './execution-schemas.ts';

/** The source whose references are recalled memories (the memory module's context source). */
const MEMORY_SOURCE = 'memory';

/**
 * Seed 001's `memory_confidence`: the mean score of the memories the turn's context was given,
 * capped at 1; 0 when it was given none (docs/memory.md).
 */
export function memoryConfidence(references: readonly ContextReference[]): number {
  const scores = references
    .filter((reference) => reference.source === MEMORY_SOURCE && typeof reference.score === 'number')
    .map((reference) => reference.score as number);
  if (scores.length === 0) return 0;
  const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
  return Math.min(1, Math.round(mean * 10_000) / 10_000);
}

/** A chat request (seed 001) in /execute's terms: its names resolved, never streamed. */
export function toExecuteBody(body: ChatBody): ExecuteBody {
  return {
    // The schema requires one of the two and refuses them when they differ.
    message: (body.message ?? body.user_input) as string,
    session_id: body.session_id ?? body.thread_id,
    user_id: body.user_id,
    metadata: body.metadata,
    stream: false,
  };
}

/** The executed turn in the shape of seed 001's `process_interaction` result. */
export function toChatResponse(
  agentId: string,
  result: ExecutionResponse,
  messageCount: number,
): ChatResponse {
  return {
    thread_id: result.session_id,
    session_id: result.session_id,
    agent_id: agentId,
    response: result.content,
    run_id: result.run_id,
    message_id: result.message_id,
    metadata: { memory_confidence: result.metadata.memory_confidence, message_count: messageCount },
  };
}
