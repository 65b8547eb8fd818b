import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, When } from '../../components/page.tsx';
import { JsonView } from './analysis-parts.tsx';

type Definition = Schema<'TaskDefinition'>;

/** The organization's task definitions, read-only, each with its versions on demand. */
export function TaskDefinitionsPanel() {
  const definitions = useApi(
    () => withTotal(api.GET('/api/v1/task-definitions', { params: { query: { limit: 200 } } })),
    [],
  );
  if (definitions.error) return <ErrorNotice error={definitions.error} />;
  if (!definitions.data) return <Loading what="Loading the task definitions" />;
  if (definitions.data.items.length === 0) return <Empty>No task definition yet.</Empty>;
  return (
    <ul className="definition-list" aria-label="Task definitions">
      {definitions.data.items.map((definition) => (
        <li key={definition.id} className="card">
          <DefinitionCard definition={definition} />
        </li>
      ))}
    </ul>
  );
}

function DefinitionCard({ definition }: { definition: Definition }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <h2>
        {definition.name} <span className="badge">v{definition.version}</span>{' '}
        {definition.is_active ? null : <span className="badge warn">inactive</span>}
      </h2>
      {definition.description ? <p>{definition.description}</p> : null}
      {definition.instructions ? <p className="muted">{definition.instructions}</p> : null}
      <details>
        <summary>Response schema</summary>
        <JsonView value={definition.response_schema} label={`${definition.name} schema`} />
      </details>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide versions' : 'Versions'}
      </button>
      {open ? <DefinitionVersions id={definition.id} /> : null}
    </>
  );
}

function DefinitionVersions({ id }: { id: string }) {
  const versions = useApi(
    () => unwrap(api.GET('/api/v1/task-definitions/{id}/versions', { params: { path: { id } } })),
    [id],
  );
  if (versions.error) return <ErrorNotice error={versions.error} />;
  if (!versions.data) return <Loading what="Loading the versions" />;
  return (
    <div className="table-scroll">
      <table>
        <ColumnHeads columns={['Version', 'Change', 'Fields', 'Reason', 'When']} />
        <tbody>
          {versions.data.map((version) => (
            <tr key={version.version}>
              <td>{version.version}</td>
              <td>{version.change_type}</td>
              <td>{version.changed_fields.join(', ')}</td>
              <td>{version.change_reason ?? <span className="muted">—</span>}</td>
              <td>
                <When at={version.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
