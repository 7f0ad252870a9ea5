// Previous / "x–y of total" / Next under a paged table: `offset` and `pageSize` as the API pages.
export function Pager({
  label,
  offset,
  shown,
  total,
  pageSize,
  onOffset,
}: {
  label: string;
  offset: number;
  shown: number; // rows on this page
  total: number;
  pageSize: number;
  onOffset: (offset: number) => void;
}) {
  return (
    <nav className="pager" aria-label={label}>
      <button
        type="button"
        className="button small"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - pageSize))}
      >
        Previous
      </button>
      <span className="muted small" aria-live="polite">
        {offset + 1}–{Math.min(offset + shown, total)} of {total}
      </span>
      <button
        type="button"
        className="button small"
        disabled={offset + shown >= total}
        onClick={() => onOffset(offset + pageSize)}
      >
        Next
      </button>
    </nav>
  );
}
