import type { FinishReason } from 'ai';
import { isDatabaseUnavailable } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { DatabaseUnavailableError } from '../../platform/http/database-unavailable-error.ts';
import { AppError } from '../../platform/http/errors.ts';
import { annotateActiveSpan, inSpan } from '../../platform/observability/tracing.ts';
import type { RecordedAction, RunUsage } from '../runs/index.ts';
import { requirePermission } from '../tenancy/index.ts';
import type { ContextReference } from './context-pipeline.ts';
import { actionLogWithReferences } from './context-references.ts';
import {
  TurnCancelledError,
  TurnShutdownError,
  TurnTimeoutError,
  toExecutionError,
} from './execution-errors.ts';
import type { LoopEvent, ToolCallRecord } from './model-loop.ts';
import type { ModelChoice, ModelResolver, ResolvedModel } from './model-resolver.ts';
import { createUsageMeter, type PriceTable } from './pricing.ts';
import { generateSuggestions } from './suggestions.ts';
import { maxOutputTokensFor } from './system-prompt-source.ts';
import { answerTurn, type TurnAnswer } from './turn-answer.ts';
import { endOf, type RunningTurn } from './turn-ending.ts';
import { planTurn, type TurnPlan, type TurnPlanDependencies, type TurnRequest } from './turn-plan.ts';
import type { TurnMessage, TurnStart, TurnStore } from './turn-record.ts';
import { admitTurn } from './turn-registry.ts';

/** The bound of a turn whose agent sets no timeout_seconds. */
export const DEFAULT_TURN_TIMEOUT_SECONDS = 300;

export interface TurnSummary {
  run_id: string;
  session_id: string | null;
  user_message_id: string | null;
  message_id: string | null;
  content: string;
  /** The validated answer object, when the turn carried a response schema. */
  structured_output: Record<string, unknown> | null;
  tool_calls: ToolCallRecord[];
  usage: RunUsage;
  cost_estimate: number | null;
  model: string;
  provider: ModelChoice['provider'];
  fallback_used: boolean;
  /** Why the answering model call stopped (`length`: out of output tokens). */
  finish_reason: FinishReason;
  suggestions?: string[];
  warnings: string[];
  execution_time_ms: number;
}

/** What a turn reports as it goes: SSE clients see these; `run-started` comes first, then one end. */
export type TurnEvent =
  | {
      type: 'run-started';
      run_id: string;
      agent_id: string;
      session_id: string | null;
      model: string;
      provider: ModelChoice['provider'];
    }
  | LoopEvent
  | ({ type: 'run-completed' } & TurnSummary)
  | { type: 'run-failed'; run_id: string; code: string; message: string; retry_after_seconds?: number };

export interface TurnOptions {
  /** Aborted when the caller goes away: the model call stops and the run ends cancelled. */
  signal?: AbortSignal | undefined;
  onEvent?: ((event: TurnEvent) => void) | undefined;
  /** Told the run's id as soon as the turn has one, however it then ends (a task links its attempts' runs). */
  onRunStarted?: ((runId: string) => void) | undefined;
  /** Told what the turn's context quotes (its references) once it is planned, before the model is called. */
  onContext?: ((references: readonly ContextReference[]) => void) | undefined;
}

export interface TurnEngineDependencies extends TurnPlanDependencies {
  models: ModelResolver;
  /** Where runs start and end (the turn recorder). */
  store: TurnStore;
  prices: PriceTable;
  /** TOOL_RESULT_MAX_BYTES: the bound on a tool's result as the model and the run's log see it. */
  toolResultMaxBytes: number;
  /** Aborted when a graceful shutdown's grace period ends: turns still running end cancelled. */
  shutdown: AbortSignal;
}

const turnMessage = (
  role: 'user' | 'assistant',
  content: string,
  metadata: Record<string, unknown>,
  id: string,
) => ({
  id,
  role,
  content,
  metadata,
  toolCalls: [] as Record<string, unknown>[],
});

/** Error codes of turns that were stopped rather than failed: their runs end `cancelled`. */
const CANCELLATION_CODES = new Set(['cancelled', 'shutdown']);

/** Aborts `controller` with `reason()` once `source` aborts; returns what stops listening. */
function abortWith(source: AbortSignal | undefined, controller: AbortController, reason: () => Error) {
  if (!source) return () => {};
  const abort = () => controller.abort(reason());
  if (source.aborted) abort();
  else source.addEventListener('abort', abort, { once: true });
  return () => source.removeEventListener('abort', abort);
}

/**
 * The one turn every trigger runs (DESIGN section 6): plan it (agent, model, session, tools,
 * context), let the before-model-call hooks refuse it, start its run, call the model, then store
 * its end in one transaction. Anything that fails before the run starts is thrown as is; from then
 * on the run records the failure and `run-failed` is reported.
 */
export function createTurnEngine(dependencies: TurnEngineDependencies) {
  const { models, store, registry } = dependencies;

  function startTurn(plan: TurnPlan<ResolvedModel>): RunningTurn {
    const { request, agent, session } = plan;
    const start: TurnStart = {
      runId: uuidv7(),
      principal: request.principal,
      agent: { id: agent.id, version: agent.version, projectId: agent.project_id },
      trigger: request.trigger,
      session: session
        ? { id: session.id, created: session.created, userId: session.userId, greeting: plan.greeting }
        : null,
      input: {
        message: request.message,
        ...(request.history ? { history: request.history } : {}),
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(request.responseSchema ? { response_schema: request.responseSchema } : {}),
      },
      model: plan.model.primary.modelId,
      provider: plan.model.primary.provider,
      warnings: plan.warnings,
      startedAt: new Date(),
    };
    store.recordStart(start);
    return {
      plan,
      start,
      meter: createUsageMeter(dependencies.prices),
      actions: actionLogWithReferences(plan.context.references),
      warnings: [...plan.warnings],
      started: performance.now(),
    };
  }

  async function answer(
    turn: RunningTurn,
    signal: AbortSignal,
    emit: (event: TurnEvent) => void,
    streaming: boolean,
  ) {
    const { plan, start } = turn;
    const { agent, request, context } = plan;
    const ledger = { resolved: plan.model, actions: turn.actions, meter: turn.meter };
    const answered = await answerTurn({
      ...ledger,
      instructions: context.instructions,
      messages: context.messages,
      tools: plan.tools,
      toolContext: {
        principal: request.principal,
        agent: { id: agent.id, name: agent.name },
        sessionId: start.session?.id ?? null,
        sessionStored: start.session ? !start.session.created : false,
        runId: start.runId,
      },
      maxSteps: agent.max_iterations,
      toolResultMaxBytes: dependencies.toolResultMaxBytes,
      maxOutputTokens: Math.min(
        maxOutputTokensFor(agent),
        request.maxOutputTokens ?? Number.POSITIVE_INFINITY,
      ),
      temperature: request.temperature ?? agent.temperature,
      signal,
      responseSchema: request.responseSchema,
      onEvent: streaming ? emit : undefined,
    });
    let suggestions: string[] | undefined;
    if (request.conversation && agent.show_suggestions_after_each_message) {
      try {
        suggestions = await generateSuggestions({
          ...ledger,
          instructions: context.instructions,
          userMessage: request.message,
          answer: answered.text,
          suggestionsPrompt: agent.suggestions_prompt,
          temperature: agent.temperature,
          signal,
        });
      } catch (error) {
        // Suggestions are a nicety: the answer stands without them.
        turn.warnings.push(`Suggestions could not be generated: ${toExecutionError(error).message}`);
      }
    }
    signal.throwIfAborted();
    return { answered, suggestions };
  }

  /** Stores the completed turn (one transaction) and reports it. */
  async function finish(turn: RunningTurn, answered: TurnAnswer, suggestions: string[] | undefined) {
    const { plan, start } = turn;
    const model = plan.model.answered();
    // Monotonic ids: the question sorts before its answer.
    const [userId, assistantId] = [uuidv7(), uuidv7()];
    const messages = start.session
      ? {
          user: turnMessage('user', plan.request.message, plan.request.metadata ?? {}, userId),
          assistant: {
            ...turnMessage(
              'assistant',
              answered.text,
              { run_id: start.runId, model: model.modelId, ...(suggestions ? { suggestions } : {}) },
              assistantId,
            ),
            toolCalls: answered.toolCalls.map((call) => ({
              id: call.id,
              name: call.name,
              input: call.input,
            })),
          } satisfies TurnMessage,
        }
      : null;
    const executionTimeMs = Math.round(performance.now() - turn.started);
    // Not in the log itself: should the end fail to store, the failed run keeps the steps that
    // happened, not an answer that was never stored.
    const response: RecordedAction = {
      actionType: 'chat_response',
      actionData: {
        session_id: start.session?.id ?? null,
        message_id: messages?.assistant.id ?? null,
        steps: answered.steps,
      },
      resultData: { content_length: answered.text.length, tool_calls: answered.toolCalls.length },
      success: true,
      executionTimeMs,
      at: new Date(),
    };
    await store.recordEnd(endOf(turn, { status: 'completed', answer: answered, messages, response }));
    return {
      run_id: start.runId,
      session_id: start.session?.id ?? null,
      user_message_id: messages?.user.id ?? null,
      message_id: messages?.assistant.id ?? null,
      content: answered.text,
      structured_output: answered.structuredOutput,
      tool_calls: answered.toolCalls,
      usage: turn.meter.usage(),
      cost_estimate: turn.meter.cost(),
      model: model.modelId,
      provider: model.provider,
      fallback_used: plan.model.fallbackUsed(),
      finish_reason: answered.finishReason,
      ...(suggestions ? { suggestions } : {}),
      warnings: turn.warnings,
      execution_time_ms: executionTimeMs,
    } satisfies TurnSummary;
  }

  /**
   * Classifies what went wrong: model failures arrive classified; an abort is the deadline's or
   * the caller's; a lost database is reported as such; anything else is Agentry's own fault,
   * reported as an internal error.
   */
  function classify(thrown: unknown, signal: AbortSignal): AppError {
    if (thrown instanceof AppError) return thrown;
    if (signal.aborted) return toExecutionError(signal.reason);
    if (isDatabaseUnavailable(thrown)) return new DatabaseUnavailableError({ cause: thrown });
    return new AppError('internal_error', 'The turn failed inside Agentry', {
      status: 500,
      category: 'system',
    });
  }

  async function fail(turn: RunningTurn, error: AppError) {
    const status = CANCELLATION_CODES.has(error.code) ? 'cancelled' : 'failed';
    annotateActiveSpan({ 'agentry.run.status': status });
    await store.recordEnd(endOf(turn, { status, error }));
  }

  async function run(request: TurnRequest, options: TurnOptions = {}): Promise<TurnSummary> {
    const { principal } = request;
    requirePermission(principal, 'agents:execute');
    if (principal.background && principal.background.trigger !== request.trigger) {
      throw new Error(`A ${principal.background.trigger} principal cannot run a ${request.trigger} turn`);
    }
    const admissions = registry.admissions();
    if (admissions.length === 0) return runAdmitted(request, options);
    const permits = await admitTurn(admissions, {
      principal,
      trigger: request.trigger,
      agentId: request.agentId,
    });
    try {
      return await runAdmitted(request, options);
    } finally {
      for (const permit of permits) permit.release();
    }
  }

  /** A turn its admissions let start; they are released when it returns or throws. */
  async function runAdmitted(request: TurnRequest, options: TurnOptions): Promise<TurnSummary> {
    const { principal } = request;
    const emit = options.onEvent ?? (() => {});
    const plan = await planTurn(dependencies, request, models.resolve, 'turn');
    options.onContext?.(plan.context.references);
    const hooks = registry.beforeModelCallHooks();
    if (hooks.length > 0) {
      const planned = {
        principal,
        trigger: request.trigger,
        agent: plan.agent,
        sessionId: plan.session?.id ?? null,
        message: request.message,
        context: plan.context,
        tools: plan.tools.map((tool) => tool.name),
        model: plan.model.primary,
      };
      for (const hook of hooks) await hook.beforeModelCall?.(planned);
    }
    const turn = startTurn(plan);
    annotateActiveSpan({ 'agentry.run.id': turn.start.runId });
    options.onRunStarted?.(turn.start.runId);
    const timeoutSeconds = plan.agent.timeout_seconds ?? DEFAULT_TURN_TIMEOUT_SECONDS;
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new TurnTimeoutError(timeoutSeconds)),
      timeoutSeconds * 1000,
    );
    const cancellation = new AbortController();
    const stopListening = [
      abortWith(options.signal, cancellation, () => new TurnCancelledError()),
      abortWith(dependencies.shutdown, cancellation, () => new TurnShutdownError()),
    ];
    const signal = AbortSignal.any([deadline.signal, cancellation.signal]);
    try {
      // Inside the try: once the run exists, whatever fails must end it.
      emit({
        type: 'run-started',
        run_id: turn.start.runId,
        agent_id: plan.agent.id,
        session_id: turn.start.session?.id ?? null,
        model: turn.start.model,
        provider: plan.model.primary.provider,
      });
      const { answered, suggestions } = await answer(turn, signal, emit, options.onEvent !== undefined).catch(
        (error: unknown) => {
          throw toExecutionError(signal.aborted ? signal.reason : error);
        },
      );
      const summary = await finish(turn, answered, suggestions);
      annotateActiveSpan({ 'agentry.run.status': 'completed' });
      emit({ type: 'run-completed', ...summary });
      return summary;
    } catch (thrown) {
      const error = classify(thrown, signal);
      await fail(turn, error);
      emit({
        type: 'run-failed',
        run_id: turn.start.runId,
        code: error.code,
        message: error.message,
        ...(error.retryAfterSeconds !== undefined ? { retry_after_seconds: error.retryAfterSeconds } : {}),
      });
      throw thrown instanceof AppError || signal.aborted ? error : thrown;
    } finally {
      clearTimeout(timer);
      for (const stop of stopListening) stop();
    }
  }

  return {
    /** A turn, in a `turn <trigger>` span: the model and tool calls nest under it. */
    run: (request: TurnRequest, options?: TurnOptions) =>
      inSpan(
        `turn ${request.trigger}`,
        { attributes: { 'agentry.agent.id': request.agentId, 'agentry.turn.trigger': request.trigger } },
        () => run(request, options),
      ),
    /** The planning step alone, with the model described rather than built: what a preview shows. */
    preview: (request: TurnRequest) => planTurn(dependencies, request, models.describe, 'preview'),
  };
}

export type TurnEngine = ReturnType<typeof createTurnEngine>;
