import type { Schema } from '@agentry/client';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { type AnalysisRun, formatCost, JsonView } from './analysis-parts.tsx';

type Comparison = Schema<'AnalysisComparison'>;

const rate = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);

/** Two completed runs compared by the API (POST /analysis/comparisons), shown as it answers. */
export function ComparisonPanel({ runs, names }: { runs: AnalysisRun[]; names: Map<string, string> }) {
  const [choice, setChoice] = useState({ run_a: runs[1]?.id ?? '', run_b: runs[0]?.id ?? '' });
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const compare = useAction(async () => {
    setComparison(
      await unwrap(api.POST('/api/v1/analysis/comparisons', { body: { ...choice, limit: 100, offset: 0 } })),
    );
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void compare.run();
  };
  const options = [
    { value: '', label: 'Choose a completed run' },
    ...runs.map((run) => ({
      value: run.id,
      label: `${names.get(run.assignment_id) ?? run.assignment_id.slice(0, 8)} · ${new Date(run.created_at).toLocaleString()}`,
    })),
  ];
  return (
    <>
      <form className="card" onSubmit={onSubmit} aria-label="Compare two runs">
        <ErrorNotice error={compare.error} />
        <div className="grid-2">
          <SelectField
            label="Run A"
            name="run_a"
            value={choice.run_a}
            options={options}
            error={compare.error}
            onChange={(event) => setChoice({ ...choice, run_a: event.target.value })}
          />
          <SelectField
            label="Run B"
            name="run_b"
            value={choice.run_b}
            options={options}
            error={compare.error}
            onChange={(event) => setChoice({ ...choice, run_b: event.target.value })}
          />
        </div>
        <button type="submit" className="primary" disabled={compare.pending}>
          Compare
        </button>
      </form>
      {comparison ? <ComparisonResult comparison={comparison} /> : null}
    </>
  );
}

function ComparisonResult({ comparison }: { comparison: Comparison }) {
  const sides = [
    ['A', comparison.run_a],
    ['B', comparison.run_b],
  ] as const;
  return (
    <section className="card" aria-labelledby="comparison-title">
      <h2 id="comparison-title">
        Agreement {rate(comparison.agreement.overall.rate)} ({comparison.agreement.overall.agreeing} of{' '}
        {comparison.agreement.overall.compared} items)
      </h2>
      <div className="table-scroll">
        <table>
          <ColumnHeads
            columns={[
              'Run',
              'Agent version',
              'Definition version',
              'Model',
              'Done / failed',
              'Tokens',
              'Cost',
              'Mean latency',
            ]}
          />
          <tbody>
            {sides.map(([label, side]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{side.agent_version}</td>
                <td>{side.task_definition_version}</td>
                <td>
                  {side.model} <span className="muted">({side.provider.name})</span>
                </td>
                <td>
                  {side.items_done} / {side.items_failed}
                </td>
                <td>{side.llm_tokens_used}</td>
                <td>{formatCost(side.cost_estimate)}</td>
                <td>{side.mean_item_latency_ms === null ? '—' : `${side.mean_item_latency_ms} ms`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>By field</h3>
      <ul className="field-agreement">
        {Object.entries(comparison.agreement.fields).map(([field, agreement]) => (
          <li key={field}>
            <code>{field}</code>: {rate(agreement.rate)} ({agreement.agreeing}/{agreement.compared})
          </li>
        ))}
      </ul>
      <h3>
        Items ({comparison.items_compared} compared of {comparison.items_total})
      </h3>
      <div className="table-scroll">
        <table>
          <ColumnHeads columns={['#', 'Input', 'Output A', 'Output B', 'Agree']} />
          <tbody>
            {comparison.items.map((item) => (
              <tr key={item.item_index}>
                <td>{item.item_index}</td>
                <td>
                  <JsonView value={item.input} label={`Input ${item.item_index}`} />
                </td>
                <td>
                  <JsonView value={item.output_a} label={`Output A ${item.item_index}`} />
                </td>
                <td>
                  <JsonView value={item.output_b} label={`Output B ${item.item_index}`} />
                </td>
                <td>{item.agree === null ? '—' : item.agree ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
