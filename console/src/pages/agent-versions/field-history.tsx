import { type FormEvent, useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextField } from '../../components/fields.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { useChangedBy } from './changed-by.ts';
import { Pager } from './pager.tsx';
import './versions.css';
import { ColumnHeads } from '../../components/column-heads.tsx';

const PAGE_SIZE = 50;

/** Every change of an agent field by field, newest first, narrowed to a field or a section. */
export default function FieldHistoryPage({ params, query }: PageProps) {
  const agentId = params.id as string;
  const field = query.get('field') ?? '';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [draft, setDraft] = useState(field);
  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  const history = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/agents/{id}/history', {
          params: {
            path: { id: agentId },
            query: { limit: PAGE_SIZE, offset, ...(field ? { field_filter: field } : {}) },
          },
        }),
      ),
    [agentId, field, offset],
  );
  const changedBy = useChangedBy();
  const onFilter = (event: FormEvent) => {
    event.preventDefault();
    replaceQuery({ field: draft.trim() || undefined });
  };

  return (
    <Page
      title={agent.data ? `History of ${agent.data.name}` : 'History'}
      actions={
        <>
          <Link to={`/agents/${agentId}`} className="button">
            Back to the agent
          </Link>
          <Link to={`/agents/${agentId}/versions`} className="button">
            Versions
          </Link>
        </>
      }
    >
      <ErrorNotice error={agent.error} />
      <form className="toolbar history-filter" onSubmit={onFilter} aria-label="Filter the history">
        <TextField
          label="Field or section"
          name="field_filter"
          error={history.error}
          hint="e.g. description, or traits for every trait"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit" className="primary">
          Filter
        </button>
        {field ? (
          <button
            type="button"
            onClick={() => {
              setDraft('');
              replaceQuery({});
            }}
          >
            Show every field
          </button>
        ) : null}
      </form>
      <ErrorNotice error={history.error} />
      <div aria-live="polite" aria-busy={history.loading}>
        {history.loading && !history.data ? <Loading what="Loading the history" /> : null}
        {history.data && history.data.items.length === 0 ? (
          <Empty>{field ? `No changes of ${field}.` : 'No changes yet.'}</Empty>
        ) : null}
      </div>
      {history.data && history.data.items.length > 0 ? (
        <div className="card">
          <div className="table-scroll">
            <table className="history-table">
              <caption className="versions-hidden">Changes, newest first</caption>
              <ColumnHeads
                columns={['When', 'Version', 'Change', 'Field', 'Old value', 'New value', 'Who', 'Reason']}
              />
              <tbody>
                {history.data.items.map((entry) => (
                  <tr key={entry.id} data-field={entry.field_changed ?? ''}>
                    <td>
                      <When at={entry.change_timestamp} />
                    </td>
                    <td>{entry.version}</td>
                    <td>
                      <span className="badge">{entry.change_type}</span>
                    </td>
                    <td>
                      {entry.field_changed ? (
                        <code>{entry.field_changed}</code>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="diff-old">
                      <HistoryValue value={entry.old_value} />
                    </td>
                    <td className="diff-new">
                      <HistoryValue value={entry.new_value} />
                    </td>
                    <td>{changedBy(entry.changed_by_user_id, entry.changed_by_api_key_id)}</td>
                    <td>{entry.change_reason ?? <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager
            offset={offset}
            pageSize={PAGE_SIZE}
            total={history.data.total}
            shown={history.data.items.length}
            onOffset={(next) =>
              replaceQuery({ field: field || undefined, offset: next ? String(next) : undefined })
            }
          />
        </div>
      ) : null}
    </Page>
  );
}

function HistoryValue({ value }: { value: string | null }) {
  if (value === null) return <span className="muted">(none)</span>;
  if (value === '') return <span className="muted">(empty)</span>;
  return <pre className="history-value">{value}</pre>;
}
