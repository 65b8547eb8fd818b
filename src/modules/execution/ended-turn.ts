import type { AppError } from '../../platform/http/errors.ts';
import type { RunUsage } from '../runs/index.ts';
import type { TurnAnswer } from './turn-answer.ts';
import type { TurnPlan } from './turn-plan.ts';
import type { TurnEnd, TurnStart } from './turn-record.ts';
import type { EndedTurn } from './turn-registry.ts';

/**
 * The session's size as a turn leaves it: what its start read, plus the greeting of a session it
 * started and the exchange it stored. A turn of the same session ending meanwhile is not counted:
 * hooks use it to decide cheaply, and read the session when they act.
 */
function threadAfter(plan: TurnPlan<unknown>, completed: boolean): EndedTurn['thread'] {
  const { session } = plan;
  if (!session) return null;
  const stored = (plan.greeting ? 1 : 0) + (completed ? 2 : 0);
  return {
    messageCount: (session.messageCount ?? 0) + stored,
    summarizedCount: session.summary?.messageCount ?? 0,
  };
}

/** What the after-turn hooks see of a turn's end. */
export function endedTurnView(
  start: TurnStart,
  plan: TurnPlan<unknown>,
  outcome:
    | { status: 'completed'; answer: TurnAnswer; messages: TurnEnd['messages'] }
    | { status: 'failed' | 'cancelled'; error: AppError },
  metered: { usage: RunUsage; costEstimate: number | null },
): EndedTurn {
  const completed = outcome.status === 'completed';
  return {
    principal: start.principal,
    trigger: start.trigger,
    agent: {
      ...start.agent,
      threadWindow: plan.agent.memory.thread_window,
      memoryEnabled: plan.agent.use_memory_context,
    },
    model: { provider: start.provider, modelId: start.model },
    runId: start.runId,
    sessionId: start.session?.id ?? null,
    sessionUserId: start.session?.userId ?? null,
    thread: threadAfter(plan, completed),
    status: outcome.status,
    message: plan.request.message,
    answer: completed ? outcome.answer.text : null,
    structuredOutput: completed ? outcome.answer.structuredOutput : null,
    userMessageId: completed ? (outcome.messages?.user.id ?? null) : null,
    assistantMessageId: completed ? (outcome.messages?.assistant.id ?? null) : null,
    ...metered,
    error: completed ? null : { code: outcome.error.code, message: outcome.error.message },
  };
}
