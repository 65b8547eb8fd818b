import type { Schema } from '@agentry/client';

type Status = Schema<'Provider'>['validation_status'];

const tone: Record<Status, string> = {
  pending: 'warn',
  validating: 'warn',
  connected: 'ok',
  error: 'bad',
};

/** A provider's validation status as a badge; a live region, so a change is announced. */
export function ValidationStatus({ status }: { status: Status }) {
  return (
    <span aria-live="polite" aria-atomic="true">
      <span className={`badge ${tone[status]}`} data-testid="validation-status">
        {status}
      </span>
    </span>
  );
}

/** What the API says about the stored key: never the key, at most its last four characters. */
export function KeyHint({ provider }: { provider: Schema<'Provider'> }) {
  if (!provider.has_api_key) return <span className="muted">no key</span>;
  return provider.api_key_last4 ? <span>key ending in …{provider.api_key_last4}</span> : <span>key set</span>;
}

/** The provider events a provider page follows (docs/events.md). */
export const PROVIDER_EVENTS = [
  'provider-validation-updated',
  'provider-created',
  'provider-updated',
  'provider-deleted',
] as const;
