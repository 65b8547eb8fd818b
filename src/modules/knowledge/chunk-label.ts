import type { ChunkPosition } from './knowledge-tables.ts';

/** Where a chunk sits, in words: "page 3", "sheet Prices, rows 2-40", "Refunds > Deadlines". */
export function positionLabel(position: ChunkPosition): string {
  const parts: string[] = [];
  if (position.page !== undefined) parts.push(`page ${position.page}`);
  if (position.sheet !== undefined) parts.push(`sheet ${position.sheet}`);
  if (position.rows) {
    const [first, last] = position.rows;
    parts.push(first === last ? `row ${first}` : `rows ${first}-${last}`);
  }
  if (position.headingPath && position.headingPath.length > 0) parts.push(position.headingPath.join(' > '));
  return parts.length > 0 ? parts.join(', ') : `characters from ${position.charStart}`;
}
