import './json-figure.css';

/**
 * A JSON value pretty-printed in a labelled figure (a string is shown as written). React escapes
 * the text, so a model's output cannot become markup. `className` sizes the block for its page.
 */
export function JsonFigure({
  value,
  label,
  className,
}: {
  value: unknown;
  label: string;
  className: string;
}) {
  return (
    <figure className="json-figure" aria-label={label}>
      <pre className={className}>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
    </figure>
  );
}
