import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import packageJson from '../package.json' with { type: 'json' };
import type { Config } from './config.ts';
import { agentProjectMembers, registerAgents } from './modules/agents/index.ts';
import { registerAnalysis } from './modules/analysis/index.ts';
import { registerBackups } from './modules/backups/index.ts';
import { registerBudgets } from './modules/budgets/index.ts';
import { registerChannels } from './modules/channels/index.ts';
import { registerConsole } from './modules/console/index.ts';
import { contextProjectMembers, contextsFollowAgent, registerContexts } from './modules/contexts/index.ts';
import {
  registerConversations,
  registerThreadSummaries,
  sessionProjectMembers,
  sessionsFollowAgent,
} from './modules/conversations/index.ts';
import { registerDefinitions } from './modules/definitions/index.ts';
import { registerEvents } from './modules/events/index.ts';
import {
  builtinToolNames,
  registerExecution,
  type TurnEngine,
  type TurnRegistry,
} from './modules/execution/index.ts';
import { registerKinds } from './modules/kinds/index.ts';
import { fileProjectMembers, registerKnowledge } from './modules/knowledge/index.ts';
import { registerLimits } from './modules/limits/index.ts';
import { registerMcpEndpoint } from './modules/mcp-endpoint/index.ts';
import { registerMemory } from './modules/memory/index.ts';
import { registerMetrics } from './modules/metrics/index.ts';
import { registerMonitoring } from './modules/monitoring/index.ts';
import { OPENAI_COMPATIBLE_PREFIX, registerOpenAiCompat } from './modules/openai-compat/index.ts';
import { healthRoutes } from './modules/ops/health-routes.ts';
import type { ProcessLease } from './modules/ops/process-lease.ts';
import { registerPortability } from './modules/portability/index.ts';
import { registerProviders } from './modules/providers/index.ts';
import { registerRuns, runningTurnsOf } from './modules/runs/index.ts';
import { registerServices } from './modules/services/index.ts';
import { registerTasks } from './modules/tasks/index.ts';
import { registerProjects, registerTenancy } from './modules/tenancy/index.ts';
import { registerMcpServers, registerTools, type ToolNameCheck } from './modules/tools/index.ts';
import type { DatabaseHandle } from './platform/db/database.ts';
import type { EventBus } from './platform/events/event-bus.ts';
import { registerCors } from './platform/http/cors.ts';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  registerErrorHandling,
} from './platform/http/error-handler.ts';
import { closeConnectionsOnceIdle } from './platform/http/graceful-close.ts';
import { registerInputRules } from './platform/http/input-rules.ts';
import { registerOpenApi } from './platform/http/openapi.ts';
import { createOutboundGuard } from './platform/http/outbound-guard.ts';
import { requestIdFor } from './platform/http/request-id.ts';
import { responseSerializerCompiler } from './platform/http/serializer.ts';
import { strictQueryValidatorCompiler } from './platform/http/strict-query.ts';
import { loggerOptions, requestChildLogger } from './platform/observability/logger.ts';
import type { Metrics } from './platform/observability/metrics.ts';
import { registerHttpMetrics } from './platform/observability/metrics-http.ts';
import { traceRequests } from './platform/observability/tracing-requests.ts';
import type { JobQueue } from './platform/queue/job-queue.ts';
import type { JobRegistry } from './platform/queue/job-registry.ts';
import { readQueueBacklog } from './platform/queue/queue-backlog.ts';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  /** The JWT signing secret, resolved by the caller (explicit, or generated for the embedded default). */
  jwtSecret: string;
  /** Encrypts secrets at rest (AGENTRY_SECRET_KEY), resolved by the caller like the JWT secret. */
  secretKey: Buffer;
  /** Where modules send background jobs. */
  queue: JobQueue;
  /** Where modules publish live events, and where clients' streams subscribe. */
  events: EventBus;
  /** Where modules declare their background jobs; the server starts them where workers run. */
  jobs: JobRegistry;
  /** This process's lease: the runs it starts name it, and modules end the work of dead processes through it. */
  lease: Pick<ProcessLease, 'id' | 'onOrphanedWork'>;
  /** Aborted when a graceful shutdown's grace period ends: turns still running then end cancelled. */
  shutdown: AbortSignal;
  /** This Agentry's Prometheus instruments (docs/metrics.md). */
  metrics: Metrics;
  /** Where log lines go; standard output when absent. */
  logStream?: DestinationStream;
  /** Modules beyond the built-in ones (an embedder's, a test's), assembled last. */
  modules?: AgentryModule[];
}

/**
 * A module assembled with the others: it contributes to the turn through the turn registry and
 * may register routes and jobs, as the built-in modules do.
 */
export type AgentryModule = (
  app: FastifyInstance,
  context: {
    db: DatabaseHandle['db'];
    jobs: JobRegistry;
    turnRegistry: TurnRegistry;
    turnEngine: TurnEngine;
  },
) => void | Promise<void>;

/** Assembles the HTTP application from the modules; holds no business logic. */
export async function buildApp({
  config,
  database,
  jwtSecret,
  secretKey,
  queue,
  jobs,
  events,
  lease,
  shutdown,
  metrics,
  logStream,
  modules = [],
}: AppOptions): Promise<FastifyInstance> {
  const errorHandling = { openAiCompatiblePrefix: `${OPENAI_COMPATIBLE_PREFIX}/` };
  const app = Fastify({
    logger: logStream
      ? { ...loggerOptions(config.logLevel), stream: logStream }
      : loggerOptions(config.logLevel),
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    childLoggerFactory: requestChildLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // The seeds' FastAPI routes end in a slash (POST /api/v1/agents/): both spellings work.
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: frameworkErrorHandler(errorHandling),
    clientErrorHandler: clientErrorHandler(errorHandling),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(strictQueryValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  // First: every later hook and handler runs in the request's correlation id and span.
  traceRequests(app);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerHttpMetrics(app, metrics);
  registerCors(app, config.corsOrigins);
  registerErrorHandling(app, errorHandling);
  closeConnectionsOnceIdle(app);
  registerInputRules(app);
  // Before any route: its hooks apply to every route declared after it.
  const limits = registerLimits(app, {
    db: database.db,
    events,
    settings: config.limits,
    openAiCompatiblePrefix: OPENAI_COMPATIBLE_PREFIX,
  });
  await registerOpenApi(app, packageJson.version);

  await app.register(healthRoutes(database, events));
  if (config.consoleEnabled) await registerConsole(app, config.consoleDirectory);
  // Every call to a URL or host a user supplied goes through this one guard (and its pools).
  const outbound = createOutboundGuard({ allowlist: config.outboundAllowlist });
  const { guard } = await registerTenancy(app, {
    db: database.db,
    events,
    jwtSecret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    allowRegistration: config.allowRegistration,
    defaultOrganizationTier: config.limits.defaultTier,
    signInThrottle: limits.signInThrottle,
  });
  const services = await registerServices(app, { db: database.db, guard, events });
  const { providers, catalog: providerServices } = await registerProviders(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    secretKey,
    outboundAllowlist: config.outboundAllowlist,
    operatorProviders: config.operatorProviders,
    operatorProvidersShared: config.operatorProvidersShared,
    validationTimeoutSeconds: config.providerValidationTimeoutSeconds,
    resilience: config.llmResilience,
  });
  services.addCatalog(providerServices);
  const { kinds } = await registerKinds(app, {
    db: database.db,
    guard,
    events,
    settings: config.agentKinds,
  });
  // The tools module is assembled after the turn engine it offers tools to; agents check the
  // tools they name through it once it is there (only requests call this, after assembly).
  const toolNames: { check?: ToolNameCheck } = {};
  const agents = await registerAgents(app, {
    db: database.db,
    guard,
    jobs,
    events,
    promptScreening: config.promptScreening,
    historyRetentionDays: config.historyRetentionDays,
    runningTurns: runningTurnsOf,
    findUsableProvider: providers.findUsableProvider,
    builtinToolNames,
    checkToolNames: (scope, names) =>
      toolNames.check?.(scope, names) ?? Promise.resolve({ unknown: [], disabled: [] }),
    kinds,
  });
  const { conversations } = await registerConversations(app, {
    db: database.db,
    guard,
    requireAgent: agents.service.get,
  });
  agents.moves.follow(sessionsFollowAgent);
  agents.moves.follow(contextsFollowAgent);
  const runs = await registerRuns(app, { db: database.db, guard, events, requireAgent: agents.service.get });
  lease.onOrphanedWork(runs.abandonOrphanedRuns);
  const execution = await registerExecution(app, {
    db: database.db,
    guard,
    agentForTurn: agents.service.forTurn,
    openSession: conversations.openSession,
    readSession: conversations.getSession,
    searchMessages: conversations.searchMessages,
    providers,
    fetch: outbound.fetch,
    resilience: config.llmResilience,
    breakers: services.calls,
    modelPrices: config.modelPrices,
    toolResultMaxBytes: config.tools.resultMaxBytes,
    events,
    processId: lease.id,
    shutdown,
    metrics,
  });
  for (const admission of limits.turnAdmissions) execution.registry.addAdmission(admission);
  await registerBudgets(app, {
    db: database.db,
    guard,
    events,
    turnRegistry: execution.registry,
    requireAgent: agents.service.get,
    processId: lease.id,
  });
  const mcpServers = await registerMcpServers(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    secretKey,
    outbound,
    services: services.calls,
    settings: config.tools,
  });
  const tools = await registerTools(app, {
    db: database.db,
    guard,
    events,
    secretKey,
    outbound,
    services: services.calls,
    settings: config.tools,
    turnRegistry: execution.registry,
    callMcpTool: mcpServers.callTool,
  });
  toolNames.check = tools.checkToolNames;
  services.addCatalog(mcpServers.catalog);
  services.addCatalog(tools.catalog);
  const definitions = await registerDefinitions(app, {
    db: database.db,
    guard,
    turns: execution.turns,
    requireAgent: agents.service.get,
    describeProvider: providers.describeProvider,
  });
  const tasks = await registerTasks(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    turns: execution.turns,
    turnRegistry: execution.registry,
    resolveDefinition: definitions.resolveForTask,
    requireAgent: agents.service.get,
    taskActions: runs.service.taskActions,
    settings: config.tasks,
  });
  await registerChannels(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    secretKey,
    outbound,
    tasks: tasks.service,
    onTaskEnded: tasks.onTaskEnded,
    requireAgent: agents.service.get,
    email: config.email,
  });
  const knowledge = await registerKnowledge(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    turnRegistry: execution.registry,
    attachments: agents.attachments,
    requireAgent: agents.service.get,
    resolveConnection: providers.resolveConnection,
    fetch: outbound.fetch,
    storage: config.storage,
    dataDir: config.dataDir,
    settings: config.knowledge,
  });
  await registerProjects(app, {
    db: database.db,
    guard,
    members: [agentProjectMembers, sessionProjectMembers, fileProjectMembers, contextProjectMembers],
  });
  await registerMemory(app, {
    db: database.db,
    events,
    guard,
    jobs,
    turnRegistry: execution.registry,
    requireAgent: agents.service.get,
    readSession: conversations.getSession,
    writing: {
      queue,
      agentForTurn: agents.service.forTurn,
      resolveModel: execution.resolveModel,
      readMessage: conversations.getMessage,
    },
    embeddings: knowledge.embeddings,
  });
  await registerAnalysis(app, {
    db: database.db,
    guard,
    queue,
    jobs,
    events,
    turns: execution.turns,
    snapshots: {
      requireAssignment: definitions.requireAssignment,
      requireDefinition: definitions.requireDefinition,
      currentConfiguration: agents.service.currentConfiguration,
      agentForTurn: agents.service.forTurn,
      describeModels: execution.describeModels,
    },
    sources: {
      userMessagesInWindow: conversations.userMessagesInWindow,
      requireAgent: agents.service.get,
      downloadFile: knowledge.files.download,
    },
  });
  const { contexts } = await registerContexts(app, {
    db: database.db,
    guard,
    events,
    turnRegistry: execution.registry,
    requireAgent: agents.service.get,
    historyLimit: config.contexts.historyLimit,
  });
  await registerPortability(app, {
    guard,
    ports: {
      agentryVersion: packageJson.version,
      agents: agents.service,
      imports: agents.imports,
      contexts,
      describeProvider: providers.describeProvider,
      describeTools: tools.describeTools,
      agentFiles: knowledge.agentFiles,
      files: knowledge.files,
      storeBytes: knowledge.storeBytes,
    },
  });
  registerThreadSummaries({
    db: database.db,
    queue,
    jobs,
    turnRegistry: execution.registry,
    summarize: execution.summarizeThread,
  });
  await registerOpenAiCompat(app, { guard, agents: agents.service, turns: execution.turns });
  await registerMcpEndpoint(app, {
    enabled: config.tools.mcpEndpointEnabled,
    guard,
    agents: agents.service,
    turns: execution.turns,
    tasks: {
      listAssignments: definitions.listAssignments,
      requireDefinition: definitions.requireDefinition,
      executeAssignment: definitions.executeAssignment,
    },
    version: packageJson.version,
  });
  await registerMonitoring(app, {
    db: database.db,
    guard,
    jobs,
    events,
    requireAgent: agents.service.get,
    describeModels: execution.describeModels,
    describeProvider: providers.describeProvider,
    ping: database.ping,
    queueState: queue.state,
    fileStorage: knowledge.fileStorage,
    thresholds: config.agentAlertThresholds,
  });
  await registerEvents(app, { bus: events, guard, admitStream: limits.admitEventStream });
  await registerMetrics(app, {
    metrics,
    token: config.metrics.token,
    turnRegistry: execution.registry,
    sources: {
      queues: () => readQueueBacklog(database.db),
      breakers: services.breakerStates,
      ...(database.poolStats ? { databasePool: database.poolStats } : {}),
    },
  });
  registerBackups(app, { settings: config, connection: database.connection, secretKey, jobs });
  for (const module of modules) {
    await module(app, {
      db: database.db,
      jobs,
      turnRegistry: execution.registry,
      turnEngine: execution.turns,
    });
  }
  return app;
}
