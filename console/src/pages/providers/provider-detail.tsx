import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Fact } from '../../components/facts.tsx';
import { Empty, Loading, Page, When } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { usePermissions } from '../organization/access.ts';
import { ProviderForm } from './provider-form.tsx';
import { KeyHint, PROVIDER_EVENTS, ValidationStatus } from './validation-status.tsx';
import './providers.css';

/** One provider: its validation (live), its models, validate again, edit, delete. */
export default function ProviderDetailPage({ params }: PageProps) {
  const id = params.id ?? '';
  const may = usePermissions();
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const provider = useApi(
    () => unwrap(api.GET('/api/v1/providers/{id}', { params: { path: { id } } })),
    [id],
  );
  const models = useApi(
    () => unwrap(api.GET('/api/v1/providers/{id}/models', { params: { path: { id } } })),
    [id],
  );
  useLiveEvents(PROVIDER_EVENTS, (event) => {
    if (event.data.provider_id !== id) return;
    void provider.reload();
    void models.reload();
  });
  const validate = useAction(async () => {
    await unwrap(api.POST('/api/v1/providers/{id}/validate', { params: { path: { id } } }));
    await provider.reload();
  });
  const remove = useAction(async () => {
    await unwrap(api.DELETE('/api/v1/providers/{id}', { params: { path: { id } } }));
    navigate('/providers');
  });
  const current = provider.data;
  const manages = may('providers:manage');
  // Operator providers are read-only (PUT, PATCH and DELETE answer 403); they may be validated again.
  const editable = manages && current?.scope === 'organization';
  return (
    <Page
      title={current?.name ?? 'Provider'}
      actions={
        <>
          <Link to="/providers" className="button">
            All providers
          </Link>
          {manages ? (
            <button type="button" disabled={validate.pending} onClick={() => void validate.run()}>
              Validate again
            </button>
          ) : null}
          {editable && !editing ? (
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
          ) : null}
          {editable && !confirmingDelete ? (
            <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
              Delete
            </button>
          ) : null}
        </>
      }
    >
      <ErrorNotice error={provider.error ?? validate.error ?? remove.error} />
      {confirmingDelete && current ? (
        <fieldset className="card confirm-delete">
          <legend>Delete this provider</legend>
          <p>
            Delete “{current.name}”? Its key is erased; agents that name it can no longer run until they name
            another provider.
          </p>
          <button
            type="button"
            className="danger"
            disabled={remove.pending}
            onClick={() => void remove.run()}
          >
            Yes, delete
          </button>{' '}
          <button type="button" onClick={() => setConfirmingDelete(false)}>
            Keep it
          </button>
        </fieldset>
      ) : null}
      {!current ? (
        provider.loading ? (
          <Loading what="Loading the provider" />
        ) : null
      ) : editing ? (
        <ProviderForm
          provider={current}
          submitLabel="Save"
          onSubmit={async (input) => {
            await unwrap(api.PATCH('/api/v1/providers/{id}', { params: { path: { id } }, body: input }));
            setEditing(false);
            await Promise.all([provider.reload(), models.reload()]);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <dl className="card provider-facts">
          <Fact term="Type">{current.type}</Fact>
          <Fact term="Scope">{current.scope}</Fact>
          <Fact term="Base URL">{current.base_url ?? <span className="muted">the type's default</span>}</Fact>
          <Fact term="Key">
            <KeyHint provider={current} />
          </Fact>
          <Fact term="Default">{current.is_default ? 'yes' : 'no'}</Fact>
          <Fact term="Active">{current.is_active ? 'yes' : 'no'}</Fact>
          <Fact term="Validation">
            <ValidationStatus status={current.validation_status} />
            {current.validation_error ? (
              <span className="validation-error" data-testid="validation-error">
                {current.validation_error}
              </span>
            ) : null}
          </Fact>
          <Fact term="Validated">
            <When at={current.validated_at} />
          </Fact>
          <Fact term="Calls">
            {current.resilience.retry.max_attempts} attempts, timeout {current.resilience.timeout_seconds} s
          </Fact>
        </dl>
      )}
      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title">Models</h2>
        <ErrorNotice error={models.error} />
        {!models.data ? null : models.data.length === 0 ? (
          <Empty>No models listed: they appear once the provider is validated.</Empty>
        ) : (
          <ul className="model-list" aria-label="Models">
            {models.data.map((model) => (
              <li key={model.id}>
                <code>{model.id}</code>
                {model.name && model.name !== model.id ? <span className="muted"> {model.name}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Page>
  );
}
