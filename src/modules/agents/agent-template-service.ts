import type { DatabaseHandle } from '../../platform/db/database.ts';
import { startEventBus } from '../../platform/events/event-bus.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import type { AgentKindPort } from './agent-kind-port.ts';
import type { ChangeContext } from './agent-records.ts';
import type { RunningTurns } from './agent-repository.ts';
import { type AgentService, createAgentService } from './agent-service.ts';
import { agentTemplates, findAgentTemplate, templateTag } from './agent-templates.ts';
import { builtinToolNameCheck, type FindUsableProvider } from './agent-write-settling.ts';
import type { ScreeningMode } from './prompt-screening.ts';

/**
 * Agents made from the seeds' templates (agent-templates.ts), through the agent service's own
 * create: version 1, history and prompt screening as for any agent.
 */
export function createAgentTemplateService(agents: Pick<AgentService, 'create' | 'list'>) {
  return {
    list: () => agentTemplates,

    /**
     * The organization's live agent made from the template, created when there is none: an
     * agent carrying the template's tag (`template:<slug>`) counts as made from it. Two requests
     * racing for a template the organization lacks may both create one.
     */
    async instantiate(slug: string, context: ChangeContext) {
      const template = findAgentTemplate(slug);
      if (!template) throw new NotFoundError(`Template ${slug}`);
      const tag = templateTag(slug);
      const { items } = await agents.list(context.principal, { tag }, { limit: 1, offset: 0 });
      const existing = items[0];
      if (existing) return { agent: { ...existing, warnings: [] }, created: false };
      const agent = await agents.create(
        { ...template.configuration, tags: [...(template.configuration.tags ?? []), tag] },
        { ...context, changeReason: context.changeReason ?? `Created from the ${slug} template` },
      );
      return { agent, created: true };
    },
  };
}

export type AgentTemplateService = ReturnType<typeof createAgentTemplateService>;

/**
 * `agentry seed-agents`: the templates' agents in an organization, from a process that runs no
 * server. It acts as an operator principal of that organization (no user: history records none),
 * and announces the agents on an event bus of its own, as the API would.
 */
export async function seedAgentTemplates(
  database: Pick<DatabaseHandle, 'db' | 'connection'>,
  options: {
    organizationId: string;
    slugs: readonly string[];
    promptScreening: ScreeningMode;
    /** How busy an agent is: the runs module's count (read with the agent). */
    runningTurns: RunningTurns;
    findUsableProvider: FindUsableProvider;
    builtinToolNames: readonly string[];
    kinds: AgentKindPort;
  },
) {
  // It only publishes: what its own listening connection reports does not concern it.
  const events = await startEventBus(database.connection, database.db, { onError: () => {} });
  try {
    const templates = createAgentTemplateService(
      createAgentService({
        db: database.db,
        events,
        promptScreening: options.promptScreening,
        runningTurns: options.runningTurns,
        findUsableProvider: options.findUsableProvider,
        builtinToolNames: options.builtinToolNames,
        // Templates name built-in tools only, and this process has no other.
        checkToolNames: builtinToolNameCheck(options.builtinToolNames),
        kinds: options.kinds,
      }),
    );
    const principal = backgroundPrincipal({
      organizationId: options.organizationId,
      trigger: 'operator',
      // The lowest role that may create agents: the command needs no more.
      role: 'agent_admin',
    });
    const seeded = [];
    for (const slug of options.slugs) {
      const { agent, created } = await templates.instantiate(slug, {
        principal,
        ipAddress: null,
        changeReason: `Created from the ${slug} template (agentry seed-agents)`,
      });
      seeded.push({ slug, agent, created });
    }
    return seeded;
  } finally {
    await events.close();
  }
}
