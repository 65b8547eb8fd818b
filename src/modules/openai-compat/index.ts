import type { FastifyInstance } from 'fastify';
import type { AccessGuard } from '../tenancy/index.ts';
import { createOpenAiCompatService, type OpenAiCompatDependencies } from './openai-compat-service.ts';
import { openAiRoutes } from './openai-routes.ts';

/** Where the facade lives: OpenAI clients take `<Agentry URL>/v1` as their base URL. */
export const OPENAI_COMPATIBLE_PREFIX = '/v1';

/**
 * The OpenAI-compatible facade (DESIGN section 5): `GET /v1/models` and `POST /v1/chat/completions`
 * where the model is an agent, so that existing OpenAI clients can talk to agents.
 */
export async function registerOpenAiCompat(
  app: FastifyInstance,
  options: OpenAiCompatDependencies & { guard: AccessGuard },
) {
  const service = createOpenAiCompatService({ agents: options.agents, turns: options.turns });
  await app.register(openAiRoutes(service, options.guard), { prefix: OPENAI_COMPATIBLE_PREFIX });
  return { service };
}
