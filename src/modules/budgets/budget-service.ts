import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import { announceBudget, BUDGET_EVENTS } from './budget-events.ts';
import { periodStart } from './budget-periods.ts';
import * as repository from './budget-repository.ts';
import type { BudgetRules } from './budget-rules.ts';
import type { CreateBudgetBody, ListBudgetsQuery, UpdateBudgetBody } from './budget-schemas.ts';
import { toBudgetView } from './budget-views.ts';

const scopeTaken = (row: { agentId?: string | null | undefined; period: string }) =>
  new ConflictError(
    'budget_scope_taken',
    `${row.agentId ? 'The agent' : 'The organization'} already has a ${row.period} budget: change that one`,
    { agent_id: row.agentId ?? null, period: row.period },
  );

const needsLimit = () =>
  new ValidationError('A budget needs a cap', [
    { field: 'token_limit', message: 'a budget needs token_limit, cost_limit_usd or both', value: null },
  ]);

/** The organization's budgets (org_admins write them; members read them) and their current spending. */
export function createBudgetService(options: {
  db: Database;
  events: Pick<EventPublisher, 'publish'>;
  rules: BudgetRules;
  /** The agents module's read of an agent of the caller's organization (404/403 otherwise). */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
}) {
  const { db, rules } = options;

  /** Another organization's agent is refused as everywhere (403); an id that is no agent is a bad field (422). */
  async function assertAgentOf(principal: Principal, agentId: string) {
    try {
      await options.requireAgent(principal, agentId);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new ValidationError('No such agent in your organization', [
          { field: 'agent_id', message: 'must be an agent of your organization', value: agentId },
        ]);
      }
      throw error;
    }
  }

  async function viewsOf(executor: Executor, principal: Principal, rows: repository.BudgetRow[]) {
    const now = new Date();
    const starts = [...new Set(rows.map((row) => periodStart(row.period, now).getTime()))].map(
      (time) => new Date(time),
    );
    const spending = await repository.spendingOf(
      executor,
      principal,
      rows.map((row) => row.id),
      starts,
    );
    return rows.map((row) => toBudgetView(row, spending, now));
  }

  const viewOf = async (principal: Principal, row: repository.BudgetRow) =>
    (await viewsOf(db, principal, [row]))[0] as ReturnType<typeof toBudgetView>;

  const requireBudget = async (executor: Executor, principal: Principal, budgetId: string) =>
    requireInScope(await repository.findBudget(executor, principal, budgetId), 'Budget', () =>
      repository.findBudgetOrganization(executor, budgetId),
    );

  /** Runs a write; after it committed, this process forgets the organization's budgets at once. */
  async function write<T>(
    principal: Principal,
    change: (tx: Executor) => Promise<T>,
    conflict?: () => Error,
  ) {
    try {
      const result = await db.transaction(change);
      rules.forget(principal.organizationId);
      return result;
    } catch (error) {
      throw conflict && isUniqueViolation(error) ? conflict() : error;
    }
  }

  const seedCurrentPeriod = (tx: Executor, row: repository.BudgetRow) =>
    repository.seedSpending(tx, row, periodStart(row.period, new Date()));

  return {
    async create(principal: Principal, body: CreateBudgetBody) {
      if (body.agent_id) await assertAgentOf(principal, body.agent_id);
      const row = await write(
        principal,
        async (tx) => {
          const inserted = await repository.insertBudget(tx, {
            id: uuidv7(),
            organizationId: principal.organizationId,
            agentId: body.agent_id ?? null,
            period: body.period,
            tokenLimit: body.token_limit ?? null,
            costLimitUsd: body.cost_limit_usd ?? null,
            alertThresholdPercent: body.alert_threshold_percent,
            enabled: body.enabled,
            description: body.description ?? null,
            createdByUserId: principal.userId,
          });
          await seedCurrentPeriod(tx, inserted);
          await announceBudget(options.events, tx, BUDGET_EVENTS.created, inserted);
          return inserted;
        },
        () => scopeTaken({ agentId: body.agent_id, period: body.period }),
      );
      return viewOf(principal, row);
    },

    async list(principal: Principal, query: ListBudgetsQuery) {
      const agentId = query.scope === 'organization' ? null : query.agent_id;
      const { rows, total } = await repository.listBudgets(
        db,
        principal,
        { agentId, period: query.period, enabled: query.enabled, onlyAgents: query.scope === 'agent' },
        { limit: query.limit, offset: query.offset },
      );
      return { items: await viewsOf(db, principal, rows), total };
    },

    async get(principal: Principal, budgetId: string) {
      return viewOf(principal, await requireBudget(db, principal, budgetId));
    },

    async update(principal: Principal, budgetId: string, body: UpdateBudgetBody) {
      if (body.agent_id) await assertAgentOf(principal, body.agent_id);
      let target = { agentId: body.agent_id, period: body.period ?? 'month' };
      const row = await write(
        principal,
        async (tx) => {
          const current = await requireBudget(tx, principal, budgetId);
          const change: repository.BudgetChange = {
            ...(body.agent_id !== undefined ? { agentId: body.agent_id } : {}),
            ...(body.period !== undefined ? { period: body.period } : {}),
            ...(body.token_limit !== undefined ? { tokenLimit: body.token_limit } : {}),
            ...(body.cost_limit_usd !== undefined ? { costLimitUsd: body.cost_limit_usd } : {}),
            ...(body.alert_threshold_percent !== undefined
              ? { alertThresholdPercent: body.alert_threshold_percent }
              : {}),
            ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
          };
          const next = { ...current, ...change };
          if (next.tokenLimit === null && next.costLimitUsd === null) throw needsLimit();
          target = { agentId: next.agentId, period: next.period };
          const updated = (await repository.updateBudget(
            tx,
            principal,
            budgetId,
            change,
          )) as repository.BudgetRow;
          // A counter that did not follow this scope and period until now starts from its runs.
          const recount =
            next.agentId !== current.agentId ||
            next.period !== current.period ||
            (next.enabled && !current.enabled);
          if (recount) await seedCurrentPeriod(tx, updated);
          await announceBudget(options.events, tx, BUDGET_EVENTS.updated, updated);
          return updated;
        },
        () => scopeTaken(target),
      );
      return viewOf(principal, row);
    },

    async remove(principal: Principal, budgetId: string) {
      await write(principal, async (tx) => {
        const current = await requireBudget(tx, principal, budgetId);
        await repository.deleteBudget(tx, principal, budgetId);
        await announceBudget(options.events, tx, BUDGET_EVENTS.deleted, current);
      });
    },
  };
}

export type BudgetService = ReturnType<typeof createBudgetService>;
