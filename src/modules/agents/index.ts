import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { agentRoutes } from './agent-routes.ts';
import { createAgentService } from './agent-service.ts';
import type { ScreeningMode } from './prompt-screening.ts';

export async function registerAgents(
  app: FastifyInstance,
  options: { db: Database; guard: AccessGuard; promptScreening: ScreeningMode },
) {
  const service = createAgentService({ db: options.db, promptScreening: options.promptScreening });
  await app.register(agentRoutes(service, options.guard), { prefix: '/api/v1' });
  return { service };
}
