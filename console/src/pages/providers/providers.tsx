import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { usePermissions } from '../organization/access.ts';
import { ProviderForm } from './provider-form.tsx';
import { KeyHint, PROVIDER_EVENTS, ValidationStatus } from './validation-status.tsx';
import './providers.css';
import { ColumnHeads } from '../../components/column-heads.tsx';

/** The LLM providers the organization may use: its own, then the operator's shared ones. */
export default function ProvidersPage(_props: PageProps) {
  const may = usePermissions();
  const [adding, setAdding] = useState(false);
  const providers = useApi(
    () => withTotal(api.GET('/api/v1/providers', { params: { query: { limit: 100 } } })),
    [],
  );
  // Validation runs in the background: its progress (and other people's changes) arrive as events.
  useLiveEvents(PROVIDER_EVENTS, () => void providers.reload());
  return (
    <Page
      title="Providers"
      actions={
        may('providers:manage') && !adding ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add provider
          </button>
        ) : null
      }
    >
      {adding ? (
        <ProviderForm
          submitLabel="Add provider"
          onSubmit={async (input) => {
            const created = await unwrap(api.POST('/api/v1/providers', { body: input }));
            setAdding(false);
            navigate(`/providers/${created.id}`);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      <ErrorNotice error={providers.error} />
      {!providers.data ? (
        providers.loading ? (
          <Loading what="Loading the providers" />
        ) : null
      ) : providers.data.items.length === 0 ? (
        <Empty>No providers yet: agents answer with the built-in offline model until one is added.</Empty>
      ) : (
        <div className="table-scroll">
          <table aria-label="Providers">
            <ColumnHeads columns={['Name', 'Type', 'Default', 'Active', 'Validation', 'Models', 'Key']} />
            <tbody>
              {providers.data.items.map((provider) => (
                <tr key={provider.id} data-testid="provider-row">
                  <th scope="row">
                    <Link to={`/providers/${provider.id}`}>{provider.name}</Link>
                    {provider.scope === 'operator' ? <span className="badge"> operator</span> : null}
                  </th>
                  <td>{provider.type}</td>
                  <td>{provider.is_default ? <span className="badge ok">default</span> : null}</td>
                  <td>{provider.is_active ? 'active' : <span className="badge warn">inactive</span>}</td>
                  <td>
                    <ValidationStatus status={provider.validation_status} />
                  </td>
                  <td>{provider.models.length}</td>
                  <td>
                    <KeyHint provider={provider} />
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
