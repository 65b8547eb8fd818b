import type { ChatBody, ChatResponse } from './chat-schemas.ts';
import type { ExecuteBody, ExecutionResponse } from './execution-schemas.ts';

/** What `memory_confidence` reports until agents have long-term memory (the memory issue). */
const NO_MEMORY_CONFIDENCE = 0;

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
    metadata: { memory_confidence: NO_MEMORY_CONFIDENCE, message_count: messageCount },
  };
}
