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
