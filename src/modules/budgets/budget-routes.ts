import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  budgetIdParams,
  budgetListView,
  budgetView,
  createBudgetBody,
  listBudgetsQuery,
  updateBudgetBody,
} from './budget-schemas.ts';
import type { BudgetService } from './budget-service.ts';

const notFound = { 404: errorBodySchema };
const conflict = {
  409: errorBodySchema.describe(
    'budget_scope_taken: the organization (or the agent) already has a budget of that period',
  ),
};

/** Budgets of the organization and its agents (docs/budgets.md): org_admins write, every member reads. */
export const budgetRoutes =
  (budgets: BudgetService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['budgets'], security: bearerSecurity };
    const read = guard('budgets:read', { organizationWide: true });
    const manage = guard('budgets:manage', { organizationWide: true });

    app.post(
      '/budgets',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createBudget',
          summary: 'Cap the tokens and cost of the organization, or of one agent, per day, week or month',
          description:
            'A turn is refused before its model call (429 budget_exceeded, Retry-After until the period renews) once ' +
            'the current period’s spending reached a cap. A budget created mid-period starts from what the runs of the ' +
            'period already spent. agent_id must be an agent of the organization (422); one budget per scope and ' +
            'period (409 budget_scope_taken).',
          body: createBudgetBody,
          response: { 201: budgetView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await budgets.create(principalOf(request), request.body)),
    );

    app.get(
      '/budgets',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listBudgets',
          summary: 'The organization’s budgets with their current period’s spending (newest first)',
          description:
            'Filters: agent_id, scope, period, enabled. Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listBudgetsQuery,
          response: { 200: budgetListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await budgets.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/budgets/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getBudget',
          summary: 'A budget and its current period: spent, remaining, percent used, exceeded',
          params: budgetIdParams,
          response: { 200: budgetView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => budgets.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/budgets/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'updateBudget',
          summary: 'Change a budget (partial): caps, period, scope, alert threshold, enabled, description',
          description:
            'At least one cap must remain (422). A new scope or period, or enabling a disabled budget, recounts the ' +
            'current period from its runs. Turns see the change from their next check, in every process.',
          params: budgetIdParams,
          body: updateBudgetBody,
          response: { 200: budgetView, ...notFound, ...conflict, ...standardErrorResponses },
        },
      },
      async (request) => budgets.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/budgets/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteBudget',
          summary: 'Delete a budget and its spending counters',
          params: budgetIdParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await budgets.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
