import type { Schema } from '@agentry/client';
import type { FormEvent } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import { type Role, roleOptions } from './access.ts';

type Created = Schema<'CreatedApiKey'>;
const EMPTY = { name: '', role: '' as Role | '', expires_at: '', project_id: '' };

/**
 * Creates a key: a name, a role (the caller's own when left so; the API refuses one above it), an
 * optional expiry and project. The created key goes straight to `onCreated`, never into this form.
 */
export function ApiKeyForm({
  onCreated,
  onCancel,
}: {
  onCreated: (key: Created) => void;
  onCancel: () => void;
}) {
  const [form, setForm, set] = useFormFields(EMPTY);
  const projects = useApi(
    () => unwrap(api.GET('/api/v1/projects', { params: { query: { limit: 100 } } })),
    [],
  );
  const create = useAction(async () => {
    const created = await unwrap(
      api.POST('/api/v1/api-keys', {
        body: {
          name: form.name,
          ...(form.role ? { role: form.role } : {}),
          // datetime-local is the person's local time; the API takes an instant.
          ...(form.expires_at ? { expires_at: new Date(form.expires_at).toISOString() } : {}),
          ...(form.project_id ? { project_id: form.project_id } : {}),
        },
      }),
    );
    setForm(EMPTY);
    onCreated(created);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void create.run();
  };
  return (
    <form className="card organization-form" aria-label="Create an API key" onSubmit={onSubmit} noValidate>
      <h2>Create an API key</h2>
      <ErrorNotice error={create.error ?? projects.error} />
      <div className="grid-2">
        <TextField label="Name" name="name" value={form.name} onChange={set('name')} error={create.error} />
        <SelectField
          label="Role"
          name="role"
          options={[{ value: '', label: 'My own role' }, ...roleOptions]}
          value={form.role}
          onChange={set('role')}
          error={create.error}
          hint="At most your own role"
        />
        <TextField
          label="Expires"
          name="expires_at"
          type="datetime-local"
          value={form.expires_at}
          onChange={set('expires_at')}
          error={create.error}
          hint="Optional: empty means it never expires"
        />
        <SelectField
          label="Project"
          name="project_id"
          options={[
            { value: '', label: 'The whole organization' },
            ...(projects.data ?? []).map((project) => ({ value: project.id, label: project.name })),
          ]}
          value={form.project_id}
          onChange={set('project_id')}
          error={create.error}
          hint="Optional: a project key sees only that project"
        />
      </div>
      <FormActions
        submitLabel="Create key"
        pending={create.pending}
        onCancel={onCancel}
        className="form-actions"
      />
    </form>
  );
}
