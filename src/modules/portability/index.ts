import type { FastifyInstance } from 'fastify';
import type { AccessGuard } from '../tenancy/index.ts';
import { createAgentExport } from './agent-export.ts';
import { createAgentImportFlow } from './agent-import-flow.ts';
import type { PortabilityPorts } from './portability-ports.ts';
import { portabilityRoutes } from './portability-routes.ts';

export type { PortabilityPorts } from './portability-ports.ts';

/**
 * Agent files (docs/agent-export.md): an agent exported as one JSON document and imported into any
 * organization, through the other modules' service APIs only.
 */
export async function registerPortability(
  app: FastifyInstance,
  options: { guard: AccessGuard; ports: PortabilityPorts },
) {
  await app.register(
    portabilityRoutes(createAgentExport(options.ports), createAgentImportFlow(options.ports), options.guard),
    { prefix: '/api/v1' },
  );
}
