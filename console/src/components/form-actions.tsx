/**
 * A form's submit button and its Cancel. The row's class differs by page (its layout), not its
 * behaviour: the submit button is disabled while the form's action is pending.
 */
export function FormActions({
  submitLabel,
  pending,
  onCancel,
  className = 'toolbar',
}: {
  submitLabel: string;
  pending: boolean;
  onCancel: () => void;
  className?: string;
}) {
  return (
    <div className={className}>
      <button type="submit" className="primary" disabled={pending}>
        {submitLabel}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
