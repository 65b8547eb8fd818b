import type { DatabaseHandle } from '../../platform/db/database.ts';
import { lockUntilCommit } from '../../platform/db/transaction-lock.ts';
import { startEventBus } from '../../platform/events/event-bus.ts';
import { ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import type { AgentKindPort } from './agent-kind-port.ts';
import type { ChangeContext } from './agent-records.ts';
import type { RunningTurns } from './agent-repository.ts';
import { hasListedAgentTagged } from './agent-repository.ts';
import { type AgentService, createAgentService } from './agent-service.ts';
import { agentTemplates, findAgentTemplate, templateTag } from './agent-templates.ts';
import { builtinToolNameCheck, type FindUsableProvider } from './agent-write-settling.ts';
import type { ScreeningMode } from './prompt-screening.ts';

/** A creation from a template found, under the template's lock, that another one just made its agent. */
class TemplateAgentExists extends Error {}

/** Attempts of a creation that keeps finding the agent it lost to gone again (deleted meanwhile). */
const INSTANTIATE_ATTEMPTS = 3;

/**
 * Agents made from the seeds' templates (agent-templates.ts), through the agent service's own
 * create: version 1, history and prompt screening as for any agent.
 */
export function createAgentTemplateService(agents: Pick<AgentService, 'create' | 'list'>) {
  return {
    list: () => agentTemplates,

    /**
     * The organization's live agent made from the template, created when there is none: an
     * agent carrying the template's tag (`template:<slug>`) counts as made from it. Idempotent
     * under concurrency, across processes: the creation looks again under a transaction-scoped
     * advisory lock on (organization, template) and writes in that transaction, so of requests
     * racing, one creates and the others answer with its agent.
     */
    async instantiate(slug: string, context: ChangeContext) {
      const template = findAgentTemplate(slug);
      if (!template) throw new NotFoundError(`Template ${slug}`);
      const tag = templateTag(slug);
      const { principal } = context;
      for (let attempt = 1; ; attempt += 1) {
        // Without a lock first: once the agent exists, asking again costs one read.
        const { items } = await agents.list(principal, { tag }, { limit: 1, offset: 0 });
        const existing = items[0];
        if (existing) return { agent: { ...existing, warnings: [] }, created: false };
        try {
          const agent = await agents.create(
            { ...template.configuration, tags: [...(template.configuration.tags ?? []), tag] },
            { ...context, changeReason: context.changeReason ?? `Created from the ${slug} template` },
            undefined,
            async (tx) => {
              // Of creations racing (an API request beside `agentry seed-agents`), the second sees the first's agent.
              await lockUntilCommit(tx, `agent-template:${principal.organizationId}:${tag}`);
              if (await hasListedAgentTagged(tx, principal, tag)) throw new TemplateAgentExists();
            },
          );
          return { agent, created: true };
        } catch (error) {
          if (!(error instanceof TemplateAgentExists)) throw error;
          if (attempt >= INSTANTIATE_ATTEMPTS) {
            throw new ConflictError(
              'template_agent_changing',
              `The organization's ${slug} agent keeps being created and deleted; try again`,
            );
          }
        }
      }
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
