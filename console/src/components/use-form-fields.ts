import { useState } from 'react';

/**
 * A form's text fields as one object, with `bind(field)` for an input's onChange: each field keeps
 * the text as typed, and the submit handler converts it for the API.
 */
export function useFormFields<Fields extends object>(initial: Fields | (() => Fields)) {
  const [fields, setFields] = useState(initial);
  const bind = (field: keyof Fields) => (event: { target: { value: string } }) =>
    setFields((previous) => ({ ...previous, [field]: event.target.value }));
  return [fields, setFields, bind] as const;
}
