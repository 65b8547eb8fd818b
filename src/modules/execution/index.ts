import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { unitOfWork } from '../../platform/db/unit-of-work.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { GuardedFetch } from '../../platform/llm/model-factory.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AgentService } from '../agents/index.ts';
import type { Conversations } from '../conversations/index.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { createToolCatalog, currentTimeTool, searchSessionMessagesTool } from './agent-tools.ts';
import type { ContextSource } from './context-pipeline.ts';
import { executionRoutes } from './execution-routes.ts';
import { createExecutionService } from './execution-service.ts';
import { initialContextSource } from './initial-context-source.ts';
import { createModelResolver, type ProviderDirectory, type ResilienceSettings } from './model-resolver.ts';
import { type PriceTable, priceTableWith } from './pricing.ts';
import { providedHistorySource } from './provided-history-source.ts';
import { abandonedRunsJob } from './run-jobs.ts';
import { runRoutes } from './run-routes.ts';
import { createRunService } from './run-service.ts';
import { systemPromptSource } from './system-prompt-source.ts';
import { threadSource } from './thread-source.ts';
import { createTurnRunner } from './turn.ts';
import { userMessageSource } from './user-message-source.ts';

export type { AgentTool, AgentToolContext } from './agent-tools.ts';
export type { ContextPart, ContextSource, ProvidedMessage } from './context-pipeline.ts';
export type { ProviderDirectory, ResilienceSettings } from './model-resolver.ts';
export type { TurnEvent, TurnOptions, TurnRequest, TurnRunner, TurnSummary } from './turn.ts';

export interface ExecutionOptions {
  db: Database;
  guard: AccessGuard;
  agents: Pick<AgentService, 'get' | 'recordTurnStarted' | 'recordTurnEnded' | 'recordTurnAbandoned'>;
  conversations: Pick<
    Conversations,
    'getOrCreateSession' | 'appendMessages' | 'recentMessages' | 'searchMessages'
  >;
  providers: ProviderDirectory;
  /** Every model call goes through the outbound guard (provider URLs are user-supplied). */
  fetch: GuardedFetch;
  resilience: ResilienceSettings;
  /** MODEL_PRICES: entries over the built-in price table. */
  modelPrices: PriceTable;
  /** Where run events are published for live clients. */
  events: EventPublisher;
  jobs: JobRegistry;
}

/**
 * Executing agents: the turn (context, model, tools), runs and their actions, and the API for
 * them. Returns the service, whose `turns.run` every other trigger (tasks, analysis) calls.
 */
export async function registerExecution(app: FastifyInstance, options: ExecutionOptions) {
  const runs = createRunService({ db: options.db, events: options.events });
  options.jobs.add(abandonedRunsJob(options.db, options.events, options.agents));
  const models = createModelResolver({
    providers: options.providers,
    fetch: options.fetch,
    resilience: options.resilience,
  });
  const tools = createToolCatalog([currentTimeTool(), searchSessionMessagesTool(options.conversations)]);
  // Knowledge and memory sources go between the initial context and the thread.
  const contextSources: ContextSource[] = [
    systemPromptSource,
    initialContextSource,
    threadSource(options.conversations),
    // Turns without a session whose caller sends the conversation (the OpenAI-compatible facade).
    providedHistorySource,
    userMessageSource,
  ];
  const turns = createTurnRunner({
    transaction: unitOfWork(options.db),
    agents: options.agents,
    conversations: options.conversations,
    runs,
    models,
    tools,
    contextSources,
    prices: priceTableWith(options.modelPrices),
  });
  const service = createExecutionService({
    agents: options.agents,
    conversations: options.conversations,
    providers: options.providers,
    runs,
    models,
    turns,
    tools,
    contextSources,
  });
  await app.register(executionRoutes(service, options.guard), { prefix: '/api/v1' });
  await app.register(runRoutes(service, options.guard), { prefix: '/api/v1' });
  return { service, turns };
}
