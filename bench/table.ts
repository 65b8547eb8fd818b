/**
 * A plain-text table: the first column left-aligned, the others right-aligned (they hold figures),
 * columns two spaces apart, a dashed rule under the header.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Figures for the tables; a value that could not be measured (NaN, a division by zero) shows as `-`. */
const shown = (value: number, text: (finite: number) => string) =>
  Number.isFinite(value) ? text(value) : '-';

/** A count per second, whole, with thousands separators. */
export const formatRate = (value: number) => shown(value, (v) => Math.round(v).toLocaleString('en-US'));
/** Milliseconds with two decimals. */
export const formatMs = (value: number) => shown(value, (v) => v.toFixed(2));
/** A difference in milliseconds, with its sign. */
export const formatSignedMs = (value: number) => shown(value, (v) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`);
/** A ratio as a percentage. */
export const formatPercent = (value: number) => shown(value, (v) => `${(v * 100).toFixed(1)}%`);
/** A ratio as a factor (x1.25). */
export const formatTimes = (value: number) => shown(value, (v) => `x${v.toFixed(2)}`);
