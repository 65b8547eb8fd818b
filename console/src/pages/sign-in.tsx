import { type FormEvent, useState } from 'react';
import { useAction } from '../api/use-api.ts';
import { useSession } from '../auth/session.tsx';
import { ErrorNotice } from '../components/error-notice.tsx';
import { TextField } from '../components/fields.tsx';
import { useFormFields } from '../components/use-form-fields.ts';

/** Sign in, or create an account with a new organization (the person becomes its org_admin). */
export function SignInPage() {
  const { signIn, register } = useSession();
  const [mode, setMode] = useState<'sign-in' | 'register'>('sign-in');
  const [form, , set] = useFormFields({
    email: '',
    password: '',
    full_name: '',
    organization_name: '',
  });
  const submit = useAction(async () => {
    if (mode === 'sign-in') return signIn(form.email, form.password);
    const { organization_name, ...account } = form;
    return register(organization_name ? { ...account, organization_name } : account);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  return (
    <main className="sign-in" id="main">
      <h1>Agentry</h1>
      <div className="tabs" role="tablist" aria-label="Account">
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'sign-in'}
          onClick={() => setMode('sign-in')}
        >
          Sign in
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={mode === 'register'}
          onClick={() => setMode('register')}
        >
          Create an account
        </button>
      </div>
      <form onSubmit={onSubmit} aria-label={mode === 'sign-in' ? 'Sign in' : 'Create an account'}>
        <ErrorNotice error={submit.error} />
        {mode === 'register' ? (
          <TextField
            label="Full name"
            name="full_name"
            value={form.full_name}
            onChange={set('full_name')}
            error={submit.error}
            required
            autoComplete="name"
          />
        ) : null}
        <TextField
          label="Email"
          name="email"
          type="email"
          value={form.email}
          onChange={set('email')}
          error={submit.error}
          required
          autoComplete="email"
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={form.password}
          onChange={set('password')}
          error={submit.error}
          required
          autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
          hint={mode === 'register' ? 'At least 8 characters' : undefined}
        />
        {mode === 'register' ? (
          <TextField
            label="Organization name"
            name="organization_name"
            value={form.organization_name}
            onChange={set('organization_name')}
            error={submit.error}
            hint="Optional: defaults to your name's organization"
          />
        ) : null}
        <button type="submit" className="primary" disabled={submit.pending}>
          {mode === 'sign-in' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
