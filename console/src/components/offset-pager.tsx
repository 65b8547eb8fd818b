/**
 * Previous and Next for a list read `pageSize` rows at a time from an offset, with where the page
 * is in the whole; nothing when everything fits on one page. `label` names the list's pages.
 */
export function OffsetPager({
  label,
  offset,
  pageSize,
  total,
  onOffset,
}: {
  label: string;
  offset: number;
  pageSize: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= pageSize) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - pageSize))}>
        Previous
      </button>
      <span>
        {offset + 1}–{Math.min(offset + pageSize, total)} of {total}
      </span>
      <button type="button" disabled={offset + pageSize >= total} onClick={() => onOffset(offset + pageSize)}>
        Next
      </button>
    </nav>
  );
}
