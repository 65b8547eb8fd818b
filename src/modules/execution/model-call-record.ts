import type { FinishReason } from 'ai';
import type { ActionLog } from '../runs/index.ts';
import type { ResolvedModel } from './model-resolver.ts';
import type { UsageMeter } from './pricing.ts';

/** What a turn keeps of its model calls: the run's actions and its metered usage and cost. */
export interface ModelCallLedger {
  resolved: ResolvedModel;
  actions: ActionLog;
  meter: UsageMeter;
}

/**
 * Files one model call as an `llm_call` action and meters its tokens, priced by the model that
 * answered it (the fallback's, once it took over).
 */
export function recordModelCall(
  ledger: ModelCallLedger,
  call: {
    /** The step of the answer (1, 2, ... with tools); absent for calls beside it. */
    step?: number;
    /** Why the call was made, when not to answer: `repair` (structured output), `suggestions`. */
    purpose?: 'repair' | 'suggestions';
    finishReason: FinishReason;
    tokens: { input_tokens: number; output_tokens: number };
    responseTimeMs: number;
    result?: Record<string, unknown>;
  },
) {
  const answered = ledger.resolved.answered();
  ledger.meter.add(answered.modelId, call.tokens);
  ledger.actions.record({
    actionType: 'llm_call',
    actionData: {
      ...(call.step !== undefined ? { step: call.step } : {}),
      ...(call.purpose ? { purpose: call.purpose } : {}),
      model: answered.modelId,
      provider_id: answered.provider.id,
      provider_name: answered.provider.name,
    },
    resultData: {
      finish_reason: call.finishReason,
      usage: { ...call.tokens, total_tokens: call.tokens.input_tokens + call.tokens.output_tokens },
      ...call.result,
    },
    success: call.finishReason !== 'error',
    executionTimeMs: call.responseTimeMs,
  });
}
