import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import type { PageProps } from '../../routes.tsx';
import { ApiKeyForm } from './api-key-form.tsx';
import { CreatedKeyDialog } from './created-key-dialog.tsx';
import './organization.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { RowButton } from '../../components/row-button.tsx';

type ApiKey = Schema<'ApiKey'>;

/** API keys: an org_admin sees every key of the organization, anyone else the keys they created. */
export default function ApiKeysPage(_props: PageProps) {
  const keys = useApi(() => unwrap(api.GET('/api/v1/api-keys')), []);
  const projects = useApi(
    () => unwrap(api.GET('/api/v1/projects', { params: { query: { limit: 100 } } })),
    [],
  );
  const [creating, setCreating] = useState(false);
  // The created key lives here only while its dialog is open: closing the dialog drops it.
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const revoke = useAction(async (key: ApiKey) => {
    await unwrap(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: key.id } } }));
    setConfirming(null);
    setNotice(`Revoked ${key.name}`);
    await keys.reload();
  });
  const projectName = (id: string | null) =>
    id ? (projects.data?.find((project) => project.id === id)?.name ?? id) : 'Organization';
  return (
    <Page
      title="API keys"
      actions={
        creating ? null : (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            Create API key
          </button>
        )
      }
    >
      <p className="visually-hidden" aria-live="polite">
        {notice}
      </p>
      {creating ? (
        <ApiKeyForm
          onCreated={(key) => {
            setCreating(false);
            setCreated({ name: key.name, key: key.key });
            void keys.reload();
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {created ? (
        <CreatedKeyDialog name={created.name} apiKey={created.key} onClose={() => setCreated(null)} />
      ) : null}
      <ErrorNotice error={keys.error ?? revoke.error} />
      {!keys.data ? (
        keys.loading ? (
          <Loading what="Loading the API keys" />
        ) : null
      ) : keys.data.length === 0 ? (
        <Empty>No API keys yet.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-label="API keys">
            <ColumnHeads
              columns={['Name', 'Prefix', 'Role', 'Project', 'Created', 'Last used', 'Expires', 'Status']}
            />
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id} data-testid="api-key-row">
                  <th scope="row">{key.name}</th>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.role}</td>
                  <td>{projectName(key.project_id)}</td>
                  <td>
                    <When at={key.created_at} />
                  </td>
                  <td>
                    <When at={key.last_used_at} />
                  </td>
                  <td>
                    {key.expires_at ? <When at={key.expires_at} /> : <span className="muted">never</span>}
                  </td>
                  <td>
                    {key.revoked_at ? (
                      <span className="badge bad">
                        revoked <When at={key.revoked_at} />
                      </span>
                    ) : confirming === key.id ? (
                      <span className="confirm-revoke">
                        <span>Revoke “{key.name}”? It stops working at once.</span>
                        <button
                          type="button"
                          className="danger"
                          disabled={revoke.pending}
                          onClick={() => void revoke.run(key)}
                        >
                          Yes, revoke
                        </button>
                        <button type="button" onClick={() => setConfirming(null)}>
                          Keep it
                        </button>
                      </span>
                    ) : (
                      <RowButton verb="Revoke" item={key.name} danger onClick={() => setConfirming(key.id)} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
