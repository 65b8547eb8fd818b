import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, type Principal, principalOf } from '../tenancy/index.ts';
import { agentUsageQuery, usageQuery, usageView } from './usage-schemas.ts';
import type { UsageService } from './usage-service.ts';

const description =
  'Sums the runs that started in [from, to): runs, input, output and total tokens, and estimated cost in USD, in ' +
  'total and per group. from/to take a date (UTC) or a date-time with offset; a date `to` includes its day. At most ' +
  '366 days (422). Days are UTC; every day of the range is listed, quiet ones with zeros.';

/** What the organization's turns consumed, for the console's charts (docs/budgets.md). */
export const usageRoutes =
  (
    usage: UsageService,
    guard: AccessGuard,
    requireAgent: (principal: Principal, agentId: string) => Promise<unknown>,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['usage'], security: bearerSecurity };

    app.get(
      '/usage',
      {
        onRequest: guard('usage:read', { organizationWide: true }),
        schema: {
          ...common,
          operationId: 'getUsage',
          summary: 'Tokens, cost and runs of the organization by day, agent, model or trigger',
          description: `${description} Filters: agent_id, trigger.`,
          querystring: usageQuery,
          response: { 200: usageView, ...standardErrorResponses },
        },
      },
      async (request) => usage.usage(principalOf(request), request.query),
    );

    app.get(
      '/agents/:id/usage',
      {
        onRequest: guard('usage:read'),
        schema: {
          ...common,
          operationId: 'getAgentUsage',
          summary: 'Tokens, cost and runs of one agent by day, model or trigger',
          description: `${description} Filter: trigger.`,
          params: idParams,
          querystring: agentUsageQuery,
          response: { 200: usageView, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        await requireAgent(principal, request.params.id);
        return usage.usage(principal, { ...request.query, agent_id: request.params.id });
      },
    );
  };
