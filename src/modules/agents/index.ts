import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import type { ToolNameCheck } from '../tools/index.ts';
import { createAgentAttachments } from './agent-attachments.ts';
import { createAgentImports } from './agent-import.ts';
import { historyRetentionJob } from './agent-jobs.ts';
import type { AgentKindPort } from './agent-kind-port.ts';
import { createAgentMoves } from './agent-moves.ts';
import type { RunningTurns } from './agent-repository.ts';
import { agentRoutes } from './agent-routes.ts';
import { createAgentService } from './agent-service.ts';
import { agentTemplateRoutes } from './agent-template-routes.ts';
import { createAgentTemplateService } from './agent-template-service.ts';
import type { FindUsableProvider } from './agent-write-settling.ts';
import type { ScreeningMode } from './prompt-screening.ts';

export type { AgentAttachments, AttachmentChange } from './agent-attachments.ts';
export type { AgentRuntime } from './agent-config.ts';
export type { AgentImports, ImportedVersion, ProviderReference } from './agent-import.ts';
export type { AgentKindPort } from './agent-kind-port.ts';
export { changeMonitoredRuntime, findAgentsToMonitor } from './agent-monitoring-state.ts';
export type { AgentMoveFollower } from './agent-moves.ts';
export { agentProjectMembers } from './agent-project-members.ts';
export type { ChangeContext } from './agent-records.ts';
export { ofAgentsInScope } from './agent-repository.ts';
export { type AgentView, agentView, screeningFindingView } from './agent-schemas.ts';
export type { AgentService } from './agent-service.ts';
export { seedAgentTemplates } from './agent-template-service.ts';
export { agentTemplateSlugs } from './agent-templates.ts';
export { turnOutcomesPart } from './agent-turn-parts.ts';

export async function registerAgents(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    jobs: JobRegistry;
    events: Pick<EventBus, 'publish' | 'watch'>;
    promptScreening: ScreeningMode;
    historyRetentionDays: number;
    /** How busy an agent is: the runs module's count of its running runs. */
    runningTurns: RunningTurns;
    findUsableProvider: FindUsableProvider;
    builtinToolNames: readonly string[];
    /** Which tools an agent may newly name (the tools module's check, over every tool provider). */
    checkToolNames: ToolNameCheck;
    /** The registry of agent kinds (the kinds module's). */
    kinds: AgentKindPort;
  },
) {
  const service = createAgentService({
    db: options.db,
    events: options.events,
    promptScreening: options.promptScreening,
    runningTurns: options.runningTurns,
    findUsableProvider: options.findUsableProvider,
    builtinToolNames: options.builtinToolNames,
    checkToolNames: options.checkToolNames,
    kinds: options.kinds,
  });
  options.events.watch(service.turnCacheWatcher);
  const moves = createAgentMoves({ db: options.db, events: options.events, agents: service });
  await app.register(agentRoutes(service, moves, options.guard), { prefix: '/api/v1' });
  await app.register(agentTemplateRoutes(createAgentTemplateService(service), options.guard), {
    prefix: '/api/v1',
  });
  options.jobs.add(historyRetentionJob(options.db, options.historyRetentionDays));
  const attachments = createAgentAttachments({
    db: options.db,
    events: options.events,
    lockAgent: service.lockForChange,
  });
  const imports = createAgentImports({
    db: options.db,
    events: options.events,
    promptScreening: options.promptScreening,
    findUsableProvider: options.findUsableProvider,
    checkToolNames: options.checkToolNames,
    kinds: options.kinds,
  });
  return { service, attachments, moves, imports };
}
