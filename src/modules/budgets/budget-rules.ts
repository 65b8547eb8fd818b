import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { changesBudgets } from './budget-events.ts';
import { type BudgetRow, enabledBudgets } from './budget-repository.ts';

/** Organizations whose enabled budgets one process keeps. */
const RULES_CACHE_SIZE = 10_000;

export type BudgetRule = Pick<
  BudgetRow,
  'id' | 'organizationId' | 'agentId' | 'period' | 'tokenLimit' | 'costLimitUsd' | 'alertThresholdPercent'
>;

/** The rules of an organization that apply to one agent's turn: the organization's and the agent's own. */
export const rulesFor = (rules: readonly BudgetRule[], agentId: string) =>
  rules.filter((rule) => rule.agentId === null || rule.agentId === agentId);

const ruleOf = (row: BudgetRow): BudgetRule => ({
  id: row.id,
  organizationId: row.organizationId,
  agentId: row.agentId,
  period: row.period,
  tokenLimit: row.tokenLimit,
  costLimitUsd: row.costLimitUsd,
  alertThresholdPercent: row.alertThresholdPercent,
});

/**
 * Each organization's enabled budgets, kept in the process and forgotten on every budget event from
 * any process. `known` answers without I/O (the turn end's `appliesTo`): an organization without
 * budgets then costs its turns nothing; undefined means not loaded (or just changed).
 */
export function createBudgetRules(db: Database) {
  const loads = createInvalidatingCache<BudgetRule[]>(RULES_CACHE_SIZE);
  const settled = new Map<string, BudgetRule[]>();
  // A load that an invalidation overtook must not settle what it read.
  const generations = new Map<string, number>();

  const load = (executor: Executor, organizationId: string) =>
    enabledBudgets(executor, organizationId).then((rows) => rows.map(ruleOf));

  function forget(organizationId: string) {
    generations.set(organizationId, (generations.get(organizationId) ?? 0) + 1);
    settled.delete(organizationId);
    loads.invalidateGroup(organizationId);
  }

  return {
    known: (organizationId: string): readonly BudgetRule[] | undefined => settled.get(organizationId),
    /** The organization's enabled budgets, read once and kept. */
    async of(organizationId: string): Promise<readonly BudgetRule[]> {
      const known = settled.get(organizationId);
      if (known) return known;
      const generation = generations.get(organizationId) ?? 0;
      const rules = await loads.get(organizationId, 'enabled', () => load(db, organizationId));
      if ((generations.get(organizationId) ?? 0) === generation) {
        if (settled.size >= RULES_CACHE_SIZE) settled.delete(settled.keys().next().value as string);
        settled.set(organizationId, rules);
      }
      return rules;
    },
    /** Inside a transaction that must not wait for another connection (a turn's end): read through it, keep nothing. */
    readIn: (tx: Executor, organizationId: string) => load(tx, organizationId),
    forget,
    watcher: {
      event(event) {
        if (changesBudgets(event)) forget(event.organization_id);
      },
      gap() {
        for (const organizationId of settled.keys()) forget(organizationId);
        loads.clear();
      },
    } satisfies EventWatcher,
  };
}

export type BudgetRules = ReturnType<typeof createBudgetRules>;
