import type { Schema } from '@agentry/client';
import { type FormEvent, useState } from 'react';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { CheckboxField, SelectField, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { useFormFields } from '../../components/use-form-fields.ts';
import { KeyHint } from './validation-status.tsx';

type Provider = Schema<'Provider'>;
type ProviderType = Provider['type'];
export type ProviderInput = Schema<'ProviderUpdateInput'>;

const TYPES: { value: ProviderType; label: string }[] = [
  { value: 'openai', label: 'OpenAI' },
  { value: 'anthropic', label: 'Anthropic' },
  { value: 'ollama', label: 'Ollama' },
  { value: 'openai_compatible', label: 'OpenAI-compatible (vLLM, LM Studio, a gateway…)' },
  { value: 'offline', label: 'Offline (built-in model, no key)' },
];

/**
 * Creates a provider, or edits one (`provider` given). The key field is write-only: it is never
 * filled from the API, and it is uncontrolled, so what is typed is never written into the page's
 * markup (React mirrors a controlled input's value into its attribute). Left empty on an edit, the
 * stored key is kept.
 */
export function ProviderForm({
  provider,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  provider?: Provider;
  submitLabel: string;
  onSubmit: (input: ProviderInput & { name: string; type: ProviderType }) => Promise<unknown>;
  onCancel: () => void;
}) {
  const [form, setForm, set] = useFormFields({
    type: provider?.type ?? ('openai_compatible' as ProviderType),
    name: provider?.name ?? '',
    base_url: provider?.base_url ?? '',
    is_default: provider?.is_default ?? false,
    is_active: provider?.is_active ?? true,
  });
  const [removeKey, setRemoveKey] = useState(false);
  const save = useAction(async (keyInput: HTMLInputElement | null) => {
    const typed = keyInput?.value ?? '';
    const api_key = removeKey ? { api_key: null } : typed ? { api_key: typed } : {};
    await onSubmit({
      type: form.type,
      name: form.name,
      base_url: form.base_url.trim() || null,
      is_active: form.is_active,
      // A new provider left unticked becomes the default only when it is the organization's first.
      ...(provider || form.is_default ? { is_default: form.is_default } : {}),
      ...api_key,
    });
    if (keyInput) keyInput.value = '';
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const keyInput = event.currentTarget.elements.namedItem('api_key');
    void save.run(keyInput instanceof HTMLInputElement ? keyInput : null);
  };
  return (
    <form
      className="card provider-form"
      aria-label={provider ? `Edit ${provider.name}` : 'Add a provider'}
      onSubmit={submit}
      noValidate
    >
      <h2>{provider ? `Edit ${provider.name}` : 'Add a provider'}</h2>
      <ErrorNotice error={save.error} />
      <div className="grid-2">
        <SelectField
          label="Type"
          name="type"
          options={TYPES}
          value={form.type}
          onChange={set('type')}
          error={save.error}
        />
        <TextField label="Name" name="name" value={form.name} onChange={set('name')} error={save.error} />
        <TextField
          label="Base URL"
          name="base_url"
          type="url"
          placeholder="https://…/v1"
          value={form.base_url}
          onChange={set('base_url')}
          error={save.error}
          hint="Empty: the type's default endpoint (OpenAI-compatible needs one)"
        />
        <TextField
          label="API key"
          name="api_key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          disabled={removeKey}
          error={save.error}
          hint={
            provider ? (
              <>
                Stored: <KeyHint provider={provider} />. Empty keeps it.
              </>
            ) : (
              'Stored encrypted; it is never shown again'
            )
          }
        />
      </div>
      {provider?.has_api_key ? (
        <CheckboxField
          label="Remove the stored key"
          name="remove_key"
          checked={removeKey}
          onChecked={setRemoveKey}
        />
      ) : null}
      <CheckboxField
        label="Default provider (agents that name none use it)"
        name="is_default"
        checked={form.is_default}
        onChecked={(checked) => setForm((previous) => ({ ...previous, is_default: checked }))}
      />
      <CheckboxField
        label="Active"
        name="is_active"
        checked={form.is_active}
        onChecked={(checked) => setForm((previous) => ({ ...previous, is_active: checked }))}
      />
      <FormActions
        submitLabel={submitLabel}
        pending={save.pending}
        onCancel={onCancel}
        className="form-actions"
      />
    </form>
  );
}
