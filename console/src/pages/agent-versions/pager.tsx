/** Previous and next pages of a list paginated with limit/offset, and where the shown rows are in it. */
export function Pager({
  offset,
  pageSize,
  total,
  shown,
  onOffset,
}: {
  offset: number;
  pageSize: number;
  total: number;
  shown: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= pageSize && offset === 0) return null;
  return (
    <nav className="versions-pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        Previous
      </button>
      <span aria-live="polite">
        {shown === 0 ? 'None' : `${offset + 1}–${offset + shown}`} of {total}
      </span>
      <button type="button" disabled={offset + shown >= total} onClick={() => onOffset(offset + pageSize)}>
        Next
      </button>
    </nav>
  );
}
