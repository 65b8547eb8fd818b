import type { Schema } from '@agentry/client';
import type { FormEvent } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import type { AgentName } from '../runs/agent-names.ts';

export type Budget = Schema<'Budget'>;

interface Draft {
  agent_id: string;
  period: 'day' | 'week' | 'month';
  token_limit: string;
  cost_limit_usd: string;
  alert_threshold_percent: string;
  enabled: boolean;
  description: string;
}

const draftOf = (budget?: Budget): Draft => ({
  agent_id: budget?.agent_id ?? '',
  period: budget?.period ?? 'month',
  token_limit: budget?.token_limit?.toString() ?? '',
  cost_limit_usd: budget?.cost_limit_usd?.toString() ?? '',
  alert_threshold_percent: budget ? (budget.alert_threshold_percent?.toString() ?? '') : '80',
  enabled: budget?.enabled ?? true,
  description: budget?.description ?? '',
});

/** An empty box is "no cap" (null); anything else goes to the API as typed, which judges it. */
const numberOrNull = (text: string): number | null => {
  if (text.trim() === '') return null;
  const value = Number(text);
  return (Number.isNaN(value) ? text : value) as number;
};

const bodyOf = (draft: Draft) => ({
  agent_id: draft.agent_id || null,
  period: draft.period,
  token_limit: numberOrNull(draft.token_limit),
  cost_limit_usd: numberOrNull(draft.cost_limit_usd),
  alert_threshold_percent: numberOrNull(draft.alert_threshold_percent),
  enabled: draft.enabled,
  description: draft.description.trim() || null,
});

/** Creates a budget, or edits `budget`; the API validates and its field errors show on the fields. */
export function BudgetForm({
  budget,
  agents,
  onSaved,
  onCancel,
}: {
  budget?: Budget;
  agents: AgentName[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const [draft, setDraft, set] = useFormFields(() => draftOf(budget));
  const save = useAction(async () => {
    const body = bodyOf(draft);
    if (budget)
      await unwrap(api.PATCH('/api/v1/budgets/{id}', { params: { path: { id: budget.id } }, body }));
    else await unwrap(api.POST('/api/v1/budgets', { body }));
    onSaved();
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const title = budget ? 'Edit the budget' : 'New budget';
  return (
    <form className="card budget-form" aria-label={title} onSubmit={onSubmit} noValidate>
      <h2>{title}</h2>
      <ErrorNotice error={save.error} />
      <div className="grid-2">
        <SelectField
          label="Applies to"
          name="agent_id"
          value={draft.agent_id}
          onChange={set('agent_id')}
          error={save.error}
          options={[
            { value: '', label: 'The whole organization' },
            ...agents.map((agent) => ({ value: agent.id, label: `Agent: ${agent.name}` })),
          ]}
        />
        <SelectField
          label="Period"
          name="period"
          value={draft.period}
          onChange={set('period')}
          error={save.error}
          hint="A UTC calendar day, week (from Monday) or month"
          options={[
            { value: 'day', label: 'Day' },
            { value: 'week', label: 'Week' },
            { value: 'month', label: 'Month' },
          ]}
        />
        <TextField
          label="Token limit"
          name="token_limit"
          inputMode="numeric"
          value={draft.token_limit}
          onChange={set('token_limit')}
          error={save.error}
          hint="Input + output tokens a period may spend; empty: no token cap"
        />
        <TextField
          label="Cost limit (USD)"
          name="cost_limit_usd"
          inputMode="decimal"
          value={draft.cost_limit_usd}
          onChange={set('cost_limit_usd')}
          error={save.error}
          hint="Estimated cost a period may reach; empty: no cost cap"
        />
        <TextField
          label="Alert at (percent)"
          name="alert_threshold_percent"
          inputMode="numeric"
          value={draft.alert_threshold_percent}
          onChange={set('alert_threshold_percent')}
          error={save.error}
          hint="An event is published once a period at this share of a cap; empty: no alert"
        />
        <TextField
          label="Description"
          name="description"
          value={draft.description}
          onChange={set('description')}
          error={save.error}
        />
      </div>
      <CheckboxField
        label="Enabled"
        name="enabled"
        checked={draft.enabled}
        onChecked={(enabled) => setDraft((previous) => ({ ...previous, enabled }))}
      />
      <FormActions
        submitLabel={budget ? 'Save the budget' : 'Create the budget'}
        pending={save.pending}
        onCancel={onCancel}
        className="budget-form-actions"
      />
    </form>
  );
}
