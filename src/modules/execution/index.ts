import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { GuardedFetch } from '../../platform/llm/model-factory.ts';
import type { Metrics } from '../../platform/observability/metrics.ts';
import type { AgentView } from '../agents/index.ts';
import type { ServiceCalls } from '../services/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { builtinToolProvider, type SessionSearch } from './builtin-tools.ts';
import { executionRoutes } from './execution-routes.ts';
import { createExecutionService } from './execution-service.ts';
import { initialContextSource } from './initial-context-source.ts';
import { withModelCallMetrics } from './model-call-metrics.ts';
import { createModelResolver, type ProviderDirectory, type ResilienceSettings } from './model-resolver.ts';
import { type PriceTable, priceTableWith } from './pricing.ts';
import { providedHistorySource } from './provided-history-source.ts';
import { systemPromptSource } from './system-prompt-source.ts';
import { threadSource, threadSummarySource } from './thread-source.ts';
import { createThreadSummarizer } from './thread-summarizer.ts';
import { createTurnEngine } from './turn.ts';
import type { TurnPlanDependencies } from './turn-plan.ts';
import { createTurnRecorder } from './turn-recorder.ts';
import { createTurnRegistry } from './turn-registry.ts';
import { userMessageSource } from './user-message-source.ts';

export type { AgentTool, AgentToolContext, ToolProvider } from './agent-tool.ts';
export { defineTool, ToolInputError } from './agent-tool.ts';
export { builtinToolNames } from './builtin-tools.ts';
export type { ContextPart, ContextRequest, ContextSource, ProvidedMessage } from './context-pipeline.ts';
export { contextOrder, estimateTokens } from './context-pipeline.ts';
export { callModelDirect } from './direct-model-call.ts';
export type { ProviderDirectory, ResilienceSettings, ResolvedModel } from './model-resolver.ts';
export { parseStructuredAnswer, StructuredOutputError } from './structured-output.ts';
export type { ThreadSummarizer } from './thread-summarizer.ts';
export type { TurnEngine, TurnEvent, TurnOptions, TurnSummary } from './turn.ts';
export type { TurnRequest } from './turn-plan.ts';
export type {
  EndedTurn,
  PlannedTurn,
  TurnAdmission,
  TurnAdmissionRequest,
  TurnEndPart,
  TurnHook,
  TurnObserver,
  TurnPermit,
  TurnRegistry,
} from './turn-registry.ts';

export interface ExecutionOptions {
  db: Database;
  guard: AccessGuard;
  /** The agent as turns run it: the agents module's process cache. */
  agentForTurn(principal: Principal, agentId: string): Promise<AgentView>;
  /** Opens the session a chat turn continues or starts (the conversations module). */
  openSession: TurnPlanDependencies['openSession'];
  /** A session as GET /sessions/{id} shows it, for the chat route's message count (the conversations module). */
  readSession(principal: Principal, sessionId: string): Promise<{ message_count: number }>;
  /** Full-text search in a session, for the built-in search tool (the conversations module). */
  searchMessages: SessionSearch;
  providers: ProviderDirectory;
  /** Every model call goes through the outbound guard (provider URLs are user-supplied). */
  fetch: GuardedFetch;
  /** The LLM_* defaults; a provider's own settings override them. */
  resilience: ResilienceSettings;
  /** Circuit breakers shared by every process (the services module). */
  breakers: Pick<ServiceCalls, 'breakerFor'>;
  /** MODEL_PRICES: entries over the built-in price table. */
  modelPrices: PriceTable;
  /** TOOL_RESULT_MAX_BYTES: a tool's result is cut to it before the model and the run's log see it. */
  toolResultMaxBytes: number;
  /** Where run events are published for live clients. */
  events: Pick<EventPublisher, 'encode' | 'notification'>;
  /** Where every model call is counted (docs/metrics.md). */
  metrics: Pick<Metrics, 'modelCall'>;
  /** The lease of this process, which the runs it starts name (their recovery follows it). */
  processId: string | null;
  /** Aborted when a graceful shutdown's grace period ends: turns still running end cancelled. */
  shutdown: AbortSignal;
}

/**
 * Executing agents: the turn engine, the registry modules contribute to it through, the
 * recorder that stores turns, and the execution API. Returns the engine, whose `run` every other
 * trigger (tasks, analysis, channels) calls, and the registry, which every later module adds to.
 */
export async function registerExecution(app: FastifyInstance, options: ExecutionOptions) {
  const registry = createTurnRegistry();
  for (const source of [
    systemPromptSource,
    initialContextSource,
    threadSummarySource,
    threadSource,
    // Turns without a session whose caller sends the conversation (the OpenAI-compatible facade).
    providedHistorySource,
    userMessageSource,
  ]) {
    registry.addContextSource(source);
  }
  registry.addToolProvider(builtinToolProvider(options.searchMessages));

  const prices = priceTableWith(options.modelPrices);
  const models = createModelResolver({
    providers: options.providers,
    fetch: options.fetch,
    resilience: options.resilience,
    breakers: options.breakers,
    instrument: (model, connection, modelId) =>
      withModelCallMetrics(model, {
        metrics: options.metrics,
        prices,
        providerType: connection.type,
        modelId,
      }),
  });
  const recorder = createTurnRecorder({
    db: options.db,
    events: options.events,
    registry,
    processId: options.processId,
    onError: (error) => app.log.error({ err: error }, 'recording turn starts failed'),
  });
  // Turns finish before the server closes; then what is still waiting is written.
  app.addHook('onClose', () => recorder.flush());
  const turns = createTurnEngine({
    registry,
    agentForTurn: options.agentForTurn,
    openSession: options.openSession,
    models,
    store: recorder.store,
    prices,
    toolResultMaxBytes: options.toolResultMaxBytes,
    shutdown: options.shutdown,
  });
  const service = createExecutionService({
    agentForTurn: options.agentForTurn,
    providers: options.providers,
    turns,
    readSession: options.readSession,
  });
  await app.register(executionRoutes(service, options.guard), { prefix: '/api/v1' });
  // describeModels: the models an agent's turn would use, resolved without calling them (health checks).
  // summarizeThread: the conversations module's thread summaries, made with the agent's model.
  // resolveModel: the agent's model as its turns call it, for background work (memory extraction).
  return {
    turns,
    registry,
    describeModels: models.describe,
    resolveModel: models.resolve,
    summarizeThread: createThreadSummarizer({ agentForTurn: options.agentForTurn, models }),
  };
}
