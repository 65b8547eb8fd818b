import type { Schema } from '@agentry/client';
import type { FormEvent } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import { type Role, roleOptions } from './access.ts';

const EMPTY = { email: '', full_name: '', password: '', role: 'agent_user' as Role };

/** Adds a member with an initial password they change later; the API's field errors show on the fields. */
export function MemberForm({
  onAdded,
  onCancel,
}: {
  onAdded: (member: Schema<'User'>) => void;
  onCancel: () => void;
}) {
  const [form, setForm, set] = useFormFields(EMPTY);
  const add = useAction(async () => {
    const member = await unwrap(api.POST('/api/v1/users', { body: form }));
    setForm(EMPTY);
    onAdded(member);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void add.run();
  };
  return (
    <form className="card organization-form" aria-label="Add a member" onSubmit={onSubmit} noValidate>
      <h2>Add a member</h2>
      <ErrorNotice error={add.error} />
      <div className="grid-2">
        <TextField
          label="Email"
          name="email"
          type="email"
          autoComplete="off"
          value={form.email}
          onChange={set('email')}
          error={add.error}
        />
        <TextField
          label="Full name"
          name="full_name"
          autoComplete="off"
          value={form.full_name}
          onChange={set('full_name')}
          error={add.error}
        />
        <TextField
          label="Initial password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={set('password')}
          error={add.error}
          hint="Give it to them privately; they sign in with it"
        />
        <SelectField
          label="Role"
          name="role"
          options={roleOptions}
          value={form.role}
          onChange={set('role')}
          error={add.error}
        />
      </div>
      <FormActions
        submitLabel="Add member"
        pending={add.pending}
        onCancel={onCancel}
        className="form-actions"
      />
    </form>
  );
}
