import type { ApiError } from '../../api/api-error.ts';

/** Every field the API refused, listed by the submit button (fields off screen stay findable). */
export function FieldErrorSummary({ error }: { error: ApiError | null }) {
  if (!error || error.fieldErrors.length === 0) return null;
  return (
    <ul className="agent-field-errors" aria-label="Fields to correct">
      {error.fieldErrors.map((fieldError) => (
        <li key={`${fieldError.field}:${fieldError.message}`}>
          <code>{fieldError.field}</code>: {fieldError.message}
        </li>
      ))}
    </ul>
  );
}
