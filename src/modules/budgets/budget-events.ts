import type { Executor } from '../../platform/db/database.ts';
import type { AgentryEvent, EventPublisher } from '../../platform/events/event-bus.ts';
import type { BudgetRow } from './budget-repository.ts';

/** The live events of budgets (docs/budgets.md, docs/events.md); every process's budget cache listens too. */
export const BUDGET_EVENTS = {
  created: 'budget-created',
  updated: 'budget-updated',
  deleted: 'budget-deleted',
  thresholdReached: 'budget-threshold-reached',
  exceeded: 'budget-exceeded',
} as const;

const changeTypes: string[] = [BUDGET_EVENTS.created, BUDGET_EVENTS.updated, BUDGET_EVENTS.deleted];

/** Whether an event changes the budgets that turns are checked against. */
export const changesBudgets = (event: AgentryEvent): boolean => changeTypes.includes(event.type);

/** `budget-created`, `-updated` or `-deleted`, published with the change's transaction. */
export function announceBudget(
  events: Pick<EventPublisher, 'publish'>,
  tx: Executor,
  type: typeof BUDGET_EVENTS.created | typeof BUDGET_EVENTS.updated | typeof BUDGET_EVENTS.deleted,
  row: Pick<BudgetRow, 'id' | 'organizationId' | 'agentId' | 'period' | 'enabled'>,
) {
  const data = { budget_id: row.id, agent_id: row.agentId, period: row.period, enabled: row.enabled };
  return events.publish({ type, organization_id: row.organizationId, data }, { tx });
}
