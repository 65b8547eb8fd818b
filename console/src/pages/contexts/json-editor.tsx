import { type FormEvent, useState } from 'react';
import type { ApiError } from '../../api/api-error.ts';
import { TextArea } from '../../components/fields.tsx';

/**
 * Reads the textarea's JSON. Only its syntax is checked here, since the request cannot be sent
 * without it; whether the document is acceptable is the API's answer.
 */
export function parseJsonObject(text: string): { value: Record<string, unknown>; error: string } {
  try {
    return { value: JSON.parse(text) as Record<string, unknown>, error: '' };
  } catch (caught) {
    return { value: {}, error: `Not valid JSON: ${(caught as Error).message}` };
  }
}

/**
 * Submits a form's JSON document: a document that does not parse sets `parseError` (shown by
 * JsonEditor) and is not sent; a parsed one clears it and goes to `send`.
 */
export function useJsonObjectSubmit(
  text: string,
  send: (document: Record<string, unknown>) => Promise<unknown>,
) {
  const [parseError, setParseError] = useState('');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseJsonObject(text);
    setParseError(parsed.error);
    if (!parsed.error) void send(parsed.value);
  };
  return { parseError, onSubmit };
}

export function JsonEditor({
  label,
  value,
  onChange,
  parseError,
  error,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  parseError: string;
  error: ApiError | null;
}) {
  return (
    <>
      <TextArea
        label={label}
        name="data"
        error={error}
        className="json-editor"
        spellCheck={false}
        rows={12}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      {parseError ? (
        <p className="field-error" role="alert">
          {parseError}
        </p>
      ) : null}
    </>
  );
}
