/** One row of a side-by-side text comparison: a line on either side, or on one side only. */
export interface LineRow {
  left: string | null;
  right: string | null;
  changed: boolean;
}

// Past this many line pairs the comparison is not aligned (the table would be quadratic): every line is shown as changed.
const MAX_CELLS = 2_000_000;

/**
 * Aligns two texts line by line (longest common subsequence) for display only: which lines to
 * highlight. The API decides which fields changed; this only lays out two values it returned.
 */
export function alignLines(before: string, after: string): LineRow[] {
  const left = before.split('\n');
  const right = after.split('\n');
  if (left.length * right.length > MAX_CELLS) return pairUp(left, right);
  const width = right.length + 1;
  // common[i * width + j]: length of the common subsequence of left[i..] and right[j..].
  const common = new Uint32Array((left.length + 1) * width);
  for (let i = left.length - 1; i >= 0; i--) {
    for (let j = right.length - 1; j >= 0; j--) {
      common[i * width + j] =
        left[i] === right[j]
          ? (common[(i + 1) * width + j + 1] as number) + 1
          : Math.max(common[(i + 1) * width + j] as number, common[i * width + j + 1] as number);
    }
  }
  const rows: LineRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    rows.push(...pairUp(removed, added));
    removed = [];
    added = [];
  };
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i < left.length && j < right.length && left[i] === right[j]) {
      flush();
      rows.push({ left: left[i] as string, right: right[j] as string, changed: false });
      i++;
      j++;
    } else if (
      j >= right.length ||
      (i < left.length && (common[(i + 1) * width + j] as number) >= (common[i * width + j + 1] as number))
    ) {
      removed.push(left[i++] as string);
    } else {
      added.push(right[j++] as string);
    }
  }
  flush();
  return rows;
}

/** Removed and added lines side by side, row by row, the longer side continuing alone. */
function pairUp(removed: string[], added: string[]): LineRow[] {
  const rows: LineRow[] = [];
  for (let index = 0; index < Math.max(removed.length, added.length); index++) {
    rows.push({ left: removed[index] ?? null, right: added[index] ?? null, changed: true });
  }
  return rows;
}
