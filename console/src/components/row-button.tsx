/**
 * A button in a row of a list: it shows its verb, and its accessible name says which item it acts
 * on ("Delete weather"), so a screen reader and a test can tell the rows' buttons apart.
 */
export function RowButton({
  verb,
  item,
  onClick,
  disabled,
  danger = false,
}: {
  verb: string;
  item: string;
  onClick: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  return (
    <button
      type="button"
      className={danger ? 'danger' : undefined}
      disabled={disabled}
      onClick={onClick}
      aria-label={`${verb} ${item}`}
    >
      {verb}
    </button>
  );
}
