import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { useSignedIn } from '../../auth/session.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Page, When } from '../../components/page.tsx';
import { loadAgentNames } from '../runs/agent-names.ts';
import { formatCost, formatTokens } from '../runs/run-format.ts';
import { type Budget, BudgetForm } from './budget-form.tsx';
import './budgets.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { LoadedItems } from '../../components/loaded-items.tsx';

/** What a budget caps, as a line: "1,000 tokens · $5.00". */
const capsOf = (budget: Budget) =>
  [
    budget.token_limit !== null ? `${formatTokens(budget.token_limit)} tokens` : null,
    budget.cost_limit_usd !== null ? formatCost(budget.cost_limit_usd) : null,
  ]
    .filter(Boolean)
    .join(' · ');

const remainingOf = (budget: Budget) =>
  [
    budget.remaining_tokens !== null ? `${formatTokens(budget.remaining_tokens)} tokens` : null,
    budget.remaining_cost_usd !== null ? formatCost(budget.remaining_cost_usd) : null,
  ]
    .filter(Boolean)
    .join(' · ');

/**
 * The organization's budgets with this period's spending. Managing them is org_admin's; others see
 * them read-only (and the API refuses them anyway: its answer is shown).
 */
export default function BudgetsPage() {
  const { user } = useSignedIn();
  const canManage = user.role === 'org_admin';
  const [editing, setEditing] = useState<Budget | 'new' | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const agents = useApi(loadAgentNames, []);
  const budgets = useApi(
    () => withTotal(api.GET('/api/v1/budgets', { params: { query: { limit: 100 } } })),
    [],
  );
  const remove = useAction(async (id: string) => {
    await unwrap(api.DELETE('/api/v1/budgets/{id}', { params: { path: { id } } }));
    setConfirming(null);
    await budgets.reload();
  });
  const agentName = (id: string | null) =>
    id === null ? 'Organization' : (agents.data?.find((agent) => agent.id === id)?.name ?? id.slice(0, 8));
  const saved = () => {
    setEditing(null);
    void budgets.reload();
  };

  return (
    <Page
      title="Budgets"
      actions={
        canManage && editing === null ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New budget
          </button>
        ) : null
      }
    >
      {!canManage ? (
        <p className="muted">
          Budgets are managed by the organization’s administrators; you see them read-only.
        </p>
      ) : null}
      {editing !== null ? (
        <BudgetForm
          key={editing === 'new' ? 'new' : editing.id}
          budget={editing === 'new' ? undefined : editing}
          agents={agents.data ?? []}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      <ErrorNotice error={agents.error} />
      <ErrorNotice error={budgets.error} />
      <ErrorNotice error={remove.error} />
      <LoadedItems
        loaded={budgets}
        loading="Loading budgets"
        empty="No budgets: turns are limited only by the organization’s rate limits."
      >
        {(page) => (
          <div className="table-scroll">
            <table aria-label="Budgets">
              <ColumnHeads
                columns={[
                  'Applies to',
                  'Period',
                  'Caps',
                  'Spent',
                  'Remaining',
                  'Used',
                  'Renews',
                  canManage && 'Actions',
                ]}
              />
              <tbody>
                {page.items.map((budget) => (
                  <tr key={budget.id} data-budget={budget.id}>
                    <td>
                      {agentName(budget.agent_id)}
                      {budget.description ? <div className="muted">{budget.description}</div> : null}
                      {!budget.enabled ? <span className="badge">disabled</span> : null}
                    </td>
                    <td>{budget.period}</td>
                    <td>{capsOf(budget)}</td>
                    <td>
                      {formatTokens(budget.spent.tokens)} tokens · {formatCost(budget.spent.cost_usd)}
                      <div className="muted">{formatTokens(budget.spent.runs)} runs</div>
                    </td>
                    <td>{remainingOf(budget)}</td>
                    <td className="budget-used">
                      <meter
                        min={0}
                        max={100}
                        low={budget.alert_threshold_percent ?? 100}
                        high={100}
                        optimum={0}
                        value={Math.min(budget.percent_used, 100)}
                        aria-label="Share of the cap spent"
                      />
                      <span>
                        {budget.percent_used.toLocaleString(undefined, { maximumFractionDigits: 1 })} %
                      </span>
                      {budget.exceeded ? <span className="badge bad">exceeded</span> : null}
                    </td>
                    <td>
                      <When at={budget.period_end} />
                    </td>
                    {canManage ? (
                      <td>
                        <div className="budget-actions">
                          {confirming === budget.id ? (
                            <>
                              <span>Delete this budget?</span>
                              <button
                                type="button"
                                className="danger"
                                disabled={remove.pending}
                                onClick={() => void remove.run(budget.id)}
                              >
                                Delete
                              </button>
                              <button type="button" onClick={() => setConfirming(null)}>
                                Keep
                              </button>
                            </>
                          ) : (
                            <>
                              <button type="button" onClick={() => setEditing(budget)}>
                                Edit
                              </button>
                              <button
                                type="button"
                                className="danger"
                                onClick={() => setConfirming(budget.id)}
                              >
                                Delete…
                              </button>
                            </>
                          )}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadedItems>
    </Page>
  );
}
