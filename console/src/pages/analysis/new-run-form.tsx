import type { Schema } from '@agentry/client';
import type { FormEvent } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/fields.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import type { AnalysisRun } from './analysis-parts.tsx';

type Assignment = Schema<'TaskAssignment'>;

/** A run of an assignment over inline items (one a line), started at once when asked. */
export function NewRunForm({
  assignments,
  onCreated,
}: {
  assignments: Assignment[];
  onCreated: (run: AnalysisRun) => void;
}) {
  const [form, setForm, set] = useFormFields({
    assignment_id: assignments[0]?.id ?? '',
    items: '',
    batch_size: '1',
    concurrency: '4',
    start: true,
  });
  const submit = useAction(async () => {
    const items = form.items
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const created = await unwrap(
      api.POST('/api/v1/analysis/runs', {
        body: {
          assignment_id: form.assignment_id,
          source: { type: 'inline', items },
          options: { batch_size: Number(form.batch_size), concurrency: Number(form.concurrency) },
        },
      }),
    );
    const run = form.start
      ? await unwrap(api.POST('/api/v1/analysis/runs/{id}/start', { params: { path: { id: created.id } } }))
      : created;
    setForm((previous) => ({ ...previous, items: '' }));
    onCreated(run);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  return (
    <form className="card" onSubmit={onSubmit} aria-label="New analysis run" noValidate>
      <h2>New analysis run</h2>
      <ErrorNotice error={submit.error} />
      <SelectField
        label="Assignment"
        name="assignment_id"
        value={form.assignment_id}
        onChange={set('assignment_id')}
        error={submit.error}
        options={[
          { value: '', label: 'Choose an assignment' },
          ...assignments.map((assignment) => ({
            value: assignment.id,
            label: `${assignment.task_name} by ${assignment.agent_name}`,
          })),
        ]}
      />
      <TextArea
        label="Items, one a line"
        name="source.items"
        value={form.items}
        onChange={set('items')}
        error={submit.error}
        hint="Each line is one item the agent analyses (at most 1,000)"
      />
      <div className="grid-2">
        <TextField
          label="Batch size"
          name="options.batch_size"
          type="number"
          value={form.batch_size}
          onChange={set('batch_size')}
          error={submit.error}
          hint="Items per model call"
        />
        <TextField
          label="Concurrency"
          name="options.concurrency"
          type="number"
          value={form.concurrency}
          onChange={set('concurrency')}
          error={submit.error}
          hint="Turns at once"
        />
      </div>
      <CheckboxField
        label="Start it at once"
        name="start"
        checked={form.start}
        onChecked={(start) => setForm((previous) => ({ ...previous, start }))}
      />
      <button type="submit" className="primary" disabled={submit.pending}>
        Create run
      </button>
    </form>
  );
}
