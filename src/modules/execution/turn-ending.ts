import type { AppError } from '../../platform/http/errors.ts';
import type { ActionLog, RecordedAction } from '../runs/index.ts';
import { endedTurnView } from './ended-turn.ts';
import type { ResolvedModel } from './model-resolver.ts';
import type { UsageMeter } from './pricing.ts';
import type { TurnAnswer } from './turn-answer.ts';
import type { TurnPlan } from './turn-plan.ts';
import type { TurnEnd, TurnStart } from './turn-record.ts';

/** A turn from its start on: everything its end (completed or not) is built from. */
export interface RunningTurn {
  plan: TurnPlan<ResolvedModel>;
  start: TurnStart;
  meter: UsageMeter;
  actions: ActionLog;
  warnings: string[];
  started: number;
}

/** The run's end, completed or not: the one builder of a turn's end record. */
export function endOf(
  turn: RunningTurn,
  outcome:
    | { status: 'completed'; answer: TurnAnswer; messages: TurnEnd['messages']; response: RecordedAction }
    | { status: 'failed' | 'cancelled'; error: AppError },
): TurnEnd {
  const { plan, start } = turn;
  const answered = plan.model.answered();
  const completed = outcome.status === 'completed';
  const error = completed ? null : { code: outcome.error.code, message: outcome.error.message };
  return {
    start,
    status: outcome.status,
    output: completed ? outcome.answer.text : null,
    error,
    usage: turn.meter.usage(),
    costEstimate: turn.meter.cost(),
    model: answered.modelId,
    provider: answered.provider,
    fallbackUsed: plan.model.fallbackUsed(),
    warnings: turn.warnings,
    actions: [...turn.actions.all(), completed ? outcome.response : failedResponse(turn, outcome.error)],
    messages: completed ? outcome.messages : null,
    completedAt: new Date(),
    hookView: endedTurnView(start, plan, outcome, {
      usage: turn.meter.usage(),
      costEstimate: turn.meter.cost(),
    }),
  };
}

/** A turn that did not answer still ends with its response step: unsuccessful, with why. */
function failedResponse(turn: RunningTurn, error: AppError): RecordedAction {
  return {
    actionType: 'chat_response',
    actionData: { session_id: turn.start.session?.id ?? null, message_id: null },
    resultData: { error: { code: error.code, message: error.message } },
    success: false,
    executionTimeMs: Math.round(performance.now() - turn.started),
    at: new Date(),
  };
}
