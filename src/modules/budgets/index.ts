import type { FastifyInstance } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { TurnRegistry } from '../execution/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { createAgentResourceLimits } from './agent-resource-limits.ts';
import { createBudgetHook } from './budget-hook.ts';
import { budgetRoutes } from './budget-routes.ts';
import { createBudgetRules } from './budget-rules.ts';
import { createBudgetService } from './budget-service.ts';
import { budgetSpendingPart } from './budget-spending-part.ts';
import { usageRoutes } from './usage-routes.ts';
import { createUsageService } from './usage-service.ts';

export { BUDGET_EVENTS } from './budget-events.ts';

/**
 * Budgets and usage (docs/budgets.md): the API of budgets and of usage, and the turn hook that
 * refuses turns past a budget or an agent's resource_limits and counts every turn's spending.
 */
export async function registerBudgets(
  app: FastifyInstance,
  options: {
    db: Database;
    guard: AccessGuard;
    events: Pick<EventBus, 'publish' | 'watch'>;
    turnRegistry: TurnRegistry;
    requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
    /** This process's lease: the runs it starts carry it, so concurrency counts the others' from the database. */
    processId: string;
  },
) {
  const rules = createBudgetRules(options.db);
  options.events.watch(rules.watcher);
  const resourceLimits = createAgentResourceLimits({ db: options.db, processId: options.processId });
  options.turnRegistry.addAdmission(resourceLimits.tracker);
  options.turnRegistry.addEndPart(budgetSpendingPart);
  options.turnRegistry.addHook(
    createBudgetHook({ db: options.db, rules, events: options.events, resourceLimits }),
  );
  const budgets = createBudgetService({
    db: options.db,
    events: options.events,
    rules,
    requireAgent: options.requireAgent,
  });
  await app.register(budgetRoutes(budgets, options.guard), { prefix: '/api/v1' });
  await app.register(usageRoutes(createUsageService(options.db), options.guard, options.requireAgent), {
    prefix: '/api/v1',
  });
}
