import type { FinishReason } from 'ai';
import type { Executor } from '../../platform/db/database.ts';
import type { UnitOfWork } from '../../platform/db/unit-of-work.ts';
import { AppError, BadRequestError } from '../../platform/http/errors.ts';
import type { AgentService, AgentView } from '../agents/index.ts';
import type { Conversations, NewMessage } from '../conversations/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ToolCatalog } from './agent-tools.ts';
import {
  type AssembledContext,
  assembleContext,
  type ContextSource,
  type ProvidedMessage,
} from './context-pipeline.ts';
import { TurnCancelledError, TurnTimeoutError, toExecutionError } from './execution-errors.ts';
import { type LoopEvent, runModelLoop, type ToolCallRecord } from './model-loop.ts';
import type { ModelChoice, ModelResolver, ResolvedModel } from './model-resolver.ts';
import { createUsageMeter, type PriceTable } from './pricing.ts';
import type { RunRow } from './run-repository.ts';
import {
  type ActionLog,
  createActionLog,
  type RecordedAction,
  type RunEnd,
  type RunService,
} from './run-service.ts';
import type { RunTrigger, RunUsage } from './run-tables.ts';
import { generateSuggestions } from './suggestions.ts';
import { maxOutputTokensFor } from './system-prompt-source.ts';

/** The bound of a turn whose agent sets no timeout_seconds. */
export const DEFAULT_TURN_TIMEOUT_SECONDS = 300;

export interface TurnRequest {
  principal: Principal;
  agentId: string;
  trigger: RunTrigger;
  message: string;
  /** Chat turns continue this session, or start one; other triggers have none. */
  sessionId?: string | undefined;
  userId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** The conversation before `message` when the caller holds it instead of a session (OpenAI semantics). */
  history?: ProvidedMessage[] | undefined;
  /** The caller's sampling temperature, instead of the agent's. */
  temperature?: number | undefined;
  /** The caller's output limit: it may lower the agent's cap, never raise it. */
  maxOutputTokens?: number | undefined;
}

export interface TurnSummary {
  run_id: string;
  session_id: string | null;
  user_message_id: string | null;
  message_id: string | null;
  content: string;
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
}

export interface TurnDependencies {
  /** Opens the transactions that start and end a run (each one commit, events included). */
  transaction: UnitOfWork;
  agents: Pick<AgentService, 'get' | 'recordTurnStarted' | 'recordTurnEnded'>;
  conversations: Pick<Conversations, 'getOrCreateSession' | 'appendMessages'>;
  runs: RunService;
  models: ModelResolver;
  tools: ToolCatalog;
  /** The context sources, in order (system prompt, initial context, thread, user message, ...). */
  contextSources: ContextSource[];
  prices: PriceTable;
}

export interface PreparedTurn {
  agent: AgentView;
  resolved: ResolvedModel;
  sessionId: string | null;
  context: AssembledContext;
  tools: ReturnType<ToolCatalog['select']>['tools'];
  warnings: string[];
}

/** Refuses an agent that may not run; shared by every trigger. */
export function requireRunnable(agent: AgentView): void {
  if (agent.status !== 'active') {
    throw new BadRequestError('agent_inactive', `The agent is ${agent.status}: activate it to execute it`);
  }
}

/**
 * The one turn every trigger runs (DESIGN section 6): load the agent, resolve its model, assemble
 * its context, call the model with its tools, then persist the messages, the run pinned to the
 * agent's version, its actions and the agent's counters. Anything that fails before the run starts
 * is thrown as is; afterwards the run records the failure and `run-failed` is reported.
 */
export function createTurnRunner(dependencies: TurnDependencies) {
  const { agents, conversations, runs, models, tools: catalog } = dependencies;

  async function prepare(request: TurnRequest): Promise<PreparedTurn> {
    const agent = await agents.get(request.principal, request.agentId);
    requireRunnable(agent);
    const { tools, unknown } = catalog.select(agent.tools);
    const isChat = request.trigger === 'chat';
    // Continuing a session only reads it, so that read overlaps the model's resolution; a new
    // session is written only once the model resolved. The model's errors come first either way.
    const continued =
      isChat && request.sessionId ? openSession(request, agent.id, request.sessionId) : undefined;
    const [resolution, opened] = await Promise.allSettled([
      models.resolve(request.principal, agent),
      continued,
    ]);
    if (resolution.status === 'rejected') throw resolution.reason;
    if (opened.status === 'rejected') throw opened.reason;
    const resolved = resolution.value;
    const warnings = [...unknown.map((name) => `Unknown tool "${name}" ignored`), ...resolved.warnings];
    let sessionId: string | null = null;
    if (isChat) {
      const { session, created } = opened.value ?? (await openSession(request, agent.id, undefined));
      sessionId = session.id;
      // A new session opens with the agent's greeting, which the model then sees as history.
      if (created && agent.initial_ai_msg?.trim()) {
        await conversations.appendMessages(request.principal, session.id, [
          { role: 'assistant', content: agent.initial_ai_msg, metadata: { initial_message: true } },
        ]);
      }
    }
    const context = await assembleContext(dependencies.contextSources, {
      principal: request.principal,
      agent,
      sessionId,
      message: request.message,
      history: request.history,
    });
    return { agent, resolved, sessionId, context, tools, warnings };
  }

  function openSession(request: TurnRequest, agentId: string, sessionId: string | undefined) {
    return conversations.getOrCreateSession(request.principal, {
      sessionId,
      agentId,
      userId: request.userId,
    });
  }

  /** Stores the exchange in the session; a failed turn stores nothing (its run keeps the input). */
  async function persistMessages(
    tx: Executor,
    request: TurnRequest,
    sessionId: string,
    run: RunRow,
    answer: {
      content: string;
      toolCalls: ToolCallRecord[];
      model: string;
      suggestions?: string[] | undefined;
    },
  ) {
    const messages: NewMessage[] = [
      { role: 'user', content: request.message, metadata: request.metadata ?? {} },
      {
        role: 'assistant',
        content: answer.content,
        metadata: {
          run_id: run.id,
          model: answer.model,
          ...(answer.suggestions ? { suggestions: answer.suggestions } : {}),
        },
        tool_calls: answer.toolCalls.map((call) => ({ id: call.id, name: call.name, input: call.input })),
      },
    ];
    const [userMessage, assistantMessage] = await conversations.appendMessages(
      request.principal,
      sessionId,
      messages,
      tx,
    );
    return { userMessageId: userMessage?.id ?? null, assistantMessageId: assistantMessage?.id ?? null };
  }

  /**
   * Ends the run with its actions and releases the agent (its counters and state), in `tx`. The
   * agent is released only by the transaction that actually ended the run: a run the
   * abandoned-runs job ended first was released by that job.
   */
  async function endRun(
    tx: Executor,
    request: TurnRequest,
    run: RunRow,
    end: RunEnd,
    actions: readonly RecordedAction[],
  ) {
    const ended = await runs.finish(request.principal, run, end, actions, tx);
    if (!ended) return;
    const status =
      end.status === 'completed' ? 'completed' : end.status === 'cancelled' ? 'cancelled' : 'failed';
    await agents.recordTurnEnded(
      request.principal,
      request.agentId,
      { status, error: end.error?.message },
      tx,
    );
  }

  async function run(request: TurnRequest, options: TurnOptions = {}): Promise<TurnSummary> {
    const emit = options.onEvent ?? (() => {});
    const prepared = await prepare(request);
    const { agent, resolved, sessionId, context } = prepared;
    const warnings = [...prepared.warnings];
    const started = performance.now();
    // One transaction: the run, the agent busy with it, and `run-started`.
    const run = await dependencies.transaction(async (tx) => {
      const run = await runs.start(
        request.principal,
        {
          agentId: agent.id,
          agentVersion: agent.version,
          sessionId,
          trigger: request.trigger,
          input: {
            message: request.message,
            ...(request.history ? { history: request.history } : {}),
            ...(request.metadata ? { metadata: request.metadata } : {}),
          },
          model: resolved.primary.modelId,
          provider: resolved.primary.provider,
          warnings,
        },
        tx,
      );
      await agents.recordTurnStarted(request.principal, agent.id, tx);
      return run;
    });

    const timeoutSeconds = agent.timeout_seconds ?? DEFAULT_TURN_TIMEOUT_SECONDS;
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new TurnTimeoutError(timeoutSeconds)),
      timeoutSeconds * 1000,
    );
    const cancellation = new AbortController();
    const onClientAbort = () => cancellation.abort(new TurnCancelledError());
    options.signal?.addEventListener('abort', onClientAbort, { once: true });
    if (options.signal?.aborted) onClientAbort();
    const signal = AbortSignal.any([deadline.signal, cancellation.signal]);
    const actions: ActionLog = createActionLog();
    const meter = createUsageMeter(dependencies.prices);

    try {
      // Inside the try: once the run exists, whatever fails must end it.
      emit({
        type: 'run-started',
        run_id: run.id,
        agent_id: agent.id,
        session_id: sessionId,
        model: resolved.primary.modelId,
        provider: resolved.primary.provider,
      });
      const loop = await runModelLoop({
        resolved,
        instructions: context.instructions,
        messages: context.messages,
        tools: prepared.tools,
        toolContext: {
          principal: request.principal,
          agent: { id: agent.id, name: agent.name },
          sessionId,
          runId: run.id,
        },
        maxSteps: agent.max_iterations,
        maxOutputTokens: Math.min(
          maxOutputTokensFor(agent),
          request.maxOutputTokens ?? Number.POSITIVE_INFINITY,
        ),
        temperature: request.temperature ?? agent.temperature,
        signal,
        actions,
        meter,
        onEvent: emit,
      }).catch((error: unknown) => {
        throw toExecutionError(signal.aborted ? signal.reason : error);
      });
      let suggestions: string[] | undefined;
      if (request.trigger === 'chat' && agent.show_suggestions_after_each_message) {
        try {
          suggestions = await generateSuggestions({
            resolved,
            instructions: context.instructions,
            userMessage: request.message,
            answer: loop.text,
            suggestionsPrompt: agent.suggestions_prompt,
            temperature: agent.temperature,
            signal,
            actions,
            meter,
          });
        } catch (error) {
          // Suggestions are a nicety: the answer stands without them.
          warnings.push(`Suggestions could not be generated: ${toExecutionError(error).message}`);
        }
      }
      signal.throwIfAborted();
      const answered = resolved.answered();
      // One transaction ends the turn: its messages (with the session's counters), the run's end
      // and actions, the agent's counters and state, and `run-completed`.
      const { stored, executionTimeMs } = await dependencies.transaction(async (tx) => {
        const stored = sessionId
          ? await persistMessages(tx, request, sessionId, run, {
              content: loop.text,
              toolCalls: loop.toolCalls,
              model: answered.modelId,
              suggestions,
            })
          : { userMessageId: null, assistantMessageId: null };
        const executionTimeMs = Math.round(performance.now() - started);
        // Not in the log itself: should this transaction fail, the failed run keeps the steps
        // that happened, not an answer that was never stored.
        const response: RecordedAction = {
          actionType: 'chat_response',
          actionData: { session_id: sessionId, message_id: stored.assistantMessageId, steps: loop.steps },
          resultData: { content_length: loop.text.length, tool_calls: loop.toolCalls.length },
          success: true,
          executionTimeMs,
          at: new Date(),
        };
        await endRun(
          tx,
          request,
          run,
          {
            status: 'completed',
            output: loop.text,
            usage: meter.usage(),
            costEstimate: meter.cost(),
            model: answered.modelId,
            providerId: answered.provider.id,
            providerName: answered.provider.name,
            providerType: answered.provider.type,
            fallbackUsed: resolved.fallbackUsed(),
            warnings,
          },
          [...actions.all(), response],
        );
        return { stored, executionTimeMs };
      });
      const summary: TurnSummary = {
        run_id: run.id,
        session_id: sessionId,
        user_message_id: stored.userMessageId,
        message_id: stored.assistantMessageId,
        content: loop.text,
        tool_calls: loop.toolCalls,
        usage: meter.usage(),
        cost_estimate: meter.cost(),
        model: answered.modelId,
        provider: answered.provider,
        fallback_used: resolved.fallbackUsed(),
        finish_reason: loop.finishReason,
        ...(suggestions ? { suggestions } : {}),
        warnings,
        execution_time_ms: executionTimeMs,
      };
      emit({ type: 'run-completed', ...summary });
      return summary;
    } catch (thrown) {
      // Model failures arrive classified; an abort while persisting is classified here; anything
      // else is Agentry's own fault and is rethrown as it came (a logged 500).
      const error =
        thrown instanceof AppError
          ? thrown
          : signal.aborted
            ? toExecutionError(signal.reason)
            : new AppError('internal_error', 'The turn failed inside Agentry', {
                status: 500,
                category: 'system',
              });
      const cancelled = error.code === 'cancelled';
      const answered = resolved.answered();
      await dependencies.transaction((tx) =>
        endRun(
          tx,
          request,
          run,
          {
            status: cancelled ? 'cancelled' : 'failed',
            error: { code: error.code, message: error.message },
            usage: meter.usage(),
            costEstimate: meter.cost(),
            model: answered.modelId,
            providerId: answered.provider.id,
            providerName: answered.provider.name,
            providerType: answered.provider.type,
            fallbackUsed: resolved.fallbackUsed(),
            warnings,
          },
          actions.all(),
        ),
      );
      emit({
        type: 'run-failed',
        run_id: run.id,
        code: error.code,
        message: error.message,
        ...(error.retryAfterSeconds !== undefined ? { retry_after_seconds: error.retryAfterSeconds } : {}),
      });
      throw thrown instanceof AppError || signal.aborted ? error : thrown;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onClientAbort);
    }
  }

  return { prepare, run };
}

export type TurnRunner = ReturnType<typeof createTurnRunner>;
