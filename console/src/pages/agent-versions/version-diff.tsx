import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading } from '../../components/page.tsx';
import { displayValue, isLongText } from './display-value.ts';
import { alignLines } from './line-diff.ts';

/** The API's field-level differences between two versions: the older value left, the newer right. */
export function VersionDiff({ agentId, from, to }: { agentId: string; from: number; to: number }) {
  const diff = useApi(
    () =>
      unwrap(
        api.GET('/api/v1/agents/{id}/configuration/versions/{version}/diff', {
          params: { path: { id: agentId, version: to }, query: { against: from } },
        }),
      ),
    [agentId, from, to],
  );
  return (
    <section className="card version-diff" aria-labelledby="diff-title" aria-busy={diff.loading}>
      {/* Named after the diff on screen: while another pair loads, the previous one stays labelled as what it is. */}
      <h2 id="diff-title">
        Version {diff.data?.from_version ?? from} → version {diff.data?.to_version ?? to}
      </h2>
      <ErrorNotice error={diff.error} />
      {diff.loading && !diff.data ? <Loading what="Comparing" /> : null}
      {diff.data && diff.data.changes.length === 0 ? (
        <Empty>
          Versions {diff.data.from_version} and {diff.data.to_version} have the same configuration.
        </Empty>
      ) : null}
      {diff.data && diff.data.changes.length > 0 ? (
        <div className="diff-fields">
          {diff.data.changes.map((change) => (
            <FieldChange
              key={change.field}
              field={change.field}
              from={diff.data?.from_version ?? from}
              to={diff.data?.to_version ?? to}
              before={displayValue(change.old_value)}
              after={displayValue(change.new_value)}
            />
          ))}
        </div>
      ) : null}
    </section>
  );
}

function FieldChange({
  field,
  from,
  to,
  before,
  after,
}: {
  field: string;
  from: number;
  to: number;
  before: string;
  after: string;
}) {
  const long = isLongText(before) || isLongText(after);
  return (
    <section className="diff-field" aria-label={`Change of ${field}`} data-field={field}>
      <h3>
        <code>{field}</code>
      </h3>
      {long ? (
        <TextComparison before={before} after={after} from={from} to={to} />
      ) : (
        <div className="diff-sides">
          <div className="diff-old">
            <span className="diff-side-label">Version {from}</span>
            <Value text={before} />
          </div>
          <div className="diff-new">
            <span className="diff-side-label">Version {to}</span>
            <Value text={after} />
          </div>
        </div>
      )}
    </section>
  );
}

function Value({ text }: { text: string }) {
  return text === '' ? (
    <span className="muted diff-value">(empty)</span>
  ) : (
    <pre className="diff-value">{text}</pre>
  );
}

/** Two texts line by line, side by side, the lines that differ highlighted. */
function TextComparison({
  before,
  after,
  from,
  to,
}: {
  before: string;
  after: string;
  from: number;
  to: number;
}) {
  const rows = alignLines(before, after);
  return (
    <div className="table-scroll">
      <table className="diff-lines">
        <thead>
          <tr>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            // Rows have no identity beyond their position in the alignment.
            // biome-ignore lint/suspicious/noArrayIndexKey: the alignment is recomputed whole
            <tr key={index} className={row.changed ? 'line-changed' : undefined}>
              <td className={row.changed && row.left !== null ? 'diff-old' : undefined}>
                {row.changed && row.left !== null ? <span className="versions-hidden">removed: </span> : null}
                {row.left ?? ''}
              </td>
              <td className={row.changed && row.right !== null ? 'diff-new' : undefined}>
                {row.changed && row.right !== null ? <span className="versions-hidden">added: </span> : null}
                {row.right ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
