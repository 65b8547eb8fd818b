import { type FormEvent, useState } from 'react';

/**
 * A submit handler for a form with JSON fields: `parse` reads them (throwing on bad syntax), and
 * only a parsed value is sent; a syntax error stays in the form as `syntax` and nothing is sent.
 */
export function useParsedSubmit<Parsed>(parse: () => Parsed, send: (parsed: Parsed) => Promise<unknown>) {
  const [syntax, setSyntax] = useState('');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    try {
      const parsed = parse();
      setSyntax('');
      void send(parsed);
    } catch (caught) {
      setSyntax((caught as Error).message);
    }
  };
  return { syntax, onSubmit };
}

/** The syntax error `useParsedSubmit` caught, announced where the form's errors are. */
export function SyntaxNotice({ message }: { message: string }) {
  if (!message) return null;
  return (
    <p className="field-error" role="alert">
      {message}
    </p>
  );
}
