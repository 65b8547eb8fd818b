import type { ApiError } from '../api/api-error.ts';

/** The API's own message, its code and the correlation id to quote to an operator. */
export function ErrorNotice({ error }: { error: ApiError | null | undefined }) {
  if (!error) return null;
  return (
    <div className="error-notice" role="alert">
      <strong>{error.message}</strong>
      <span className="error-meta">
        {error.code}
        {error.correlationId ? (
          <>
            {' · correlation id '}
            <code data-testid="correlation-id">{error.correlationId}</code>
          </>
        ) : null}
      </span>
    </div>
  );
}

/** An error recorded on a record (a failed task or run): shown as part of the record, not announced as an alert. */
export function RecordedError({ error }: { error: { message: string; code: string } | null | undefined }) {
  if (!error) return null;
  return (
    <div className="error-notice">
      <strong>{error.message}</strong>
      <span className="error-meta">{error.code}</span>
    </div>
  );
}
