import { isUuid } from '../../platform/db/ids.ts';
import { AppError, BadRequestError } from '../../platform/http/errors.ts';
import type { AgentService, AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ModelObject } from './openai-schemas.ts';

const PAGE_SIZE = 200;
/** How many agents an ambiguous name lists in its error. */
const AMBIGUOUS_SHOWN = 5;

/**
 * OpenAI's own answer for a model a key cannot use. Another organization's agent gets it too
 * (not the 403 of Agentry's own routes): an OpenAI client then raises NotFoundError, as it would
 * for any model it may not use, and nothing tells it that the id exists elsewhere.
 */
export const modelNotFound = (model: string) =>
  new AppError('model_not_found', `The model \`${model}\` does not exist or you do not have access to it`, {
    status: 404,
    details: { param: 'model' },
  });

export const toModelObject = (agent: AgentView): ModelObject => ({
  id: agent.id,
  object: 'model',
  created: Math.floor(Date.parse(agent.created_at) / 1000),
  owned_by: 'agentry',
  name: agent.name,
});

/** The organization's agents seen as OpenAI models: a model is an agent, named by id or name. */
export function createAgentModels(agents: Pick<AgentService, 'get' | 'list'>) {
  async function byId(principal: Principal, agentId: string): Promise<AgentView | null> {
    try {
      return await agents.get(principal, agentId);
    } catch (error) {
      // Missing, or another organization's: either way not a model of this caller.
      if (error instanceof AppError && (error.status === 404 || error.status === 403)) return null;
      throw error;
    }
  }

  /** Only active agents answer to a name, so that an inactive namesake never makes it ambiguous. */
  async function byName(principal: Principal, name: string): Promise<AgentView | null> {
    const { items, total } = await agents.list(
      principal,
      { status: 'active', name },
      { limit: AMBIGUOUS_SHOWN, offset: 0 },
    );
    if (total > 1) {
      const ids = items.map((agent) => agent.id).join(', ');
      throw new BadRequestError(
        'ambiguous_model',
        `${total} agents are named "${name}": use the agent's id as the model (${ids}${total > items.length ? ', ...' : ''})`,
        { param: 'model' },
      );
    }
    return items[0] ?? null;
  }

  /** The agent a `model` names: its id, else its exact name among the active agents. */
  async function resolve(principal: Principal, model: string): Promise<AgentView> {
    const agent = (isUuid(model) ? await byId(principal, model) : null) ?? (await byName(principal, model));
    if (!agent) throw modelNotFound(model);
    return agent;
  }

  return {
    resolve,

    /** A model is listed, and described, while its agent is active. */
    async describe(principal: Principal, model: string): Promise<ModelObject> {
      const agent = await resolve(principal, model);
      if (agent.status !== 'active') throw modelNotFound(model);
      return toModelObject(agent);
    },

    async list(principal: Principal): Promise<ModelObject[]> {
      const models: ModelObject[] = [];
      for (let offset = 0; ; offset += PAGE_SIZE) {
        const { items, total } = await agents.list(
          principal,
          { status: 'active' },
          { limit: PAGE_SIZE, offset },
        );
        models.push(...items.map(toModelObject));
        if (items.length === 0 || offset + items.length >= total) return models;
      }
    },
  };
}

export type AgentModels = ReturnType<typeof createAgentModels>;
