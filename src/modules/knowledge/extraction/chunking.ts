import type { ChunkPosition } from '../knowledge-tables.ts';
import { type ExtractedSection, sectionSeparator } from './extraction.ts';

export interface Chunk {
  text: string;
  position: ChunkPosition;
}

export interface ChunkingOptions {
  /** The length a chunk is cut near when its section is longer than `maxChars`. */
  targetChars?: number;
  /** No chunk is longer. */
  maxChars?: number;
}

// Where a chunk may end, best first: after a blank line, a line, a sentence, a word.
const boundaries = [/\n[ \t]*\n\s*/g, /\n\s*/g, /[.!?;:]["')\]]*\s+/g, /\s+/g];

/**
 * Cuts a document's sections into chunks for retrieval. A chunk never crosses a section; a section
 * up to `maxChars` long is one chunk, a longer one is cut near every `targetChars` at the best
 * boundary within reach (paragraph, line, sentence, word; mid-word only when there is none). No
 * overlap and nothing dropped: each section's chunks joined are the section, and each chunk's
 * `charStart` is its offset in `joinSections(sections)`. The same sections always give the same
 * chunks.
 */
export function chunkSections(
  sections: readonly ExtractedSection[],
  { targetChars = 1200, maxChars = 2000 }: ChunkingOptions = {},
): Chunk[] {
  const chunks: Chunk[] = [];
  let sectionStart = 0;
  for (const { text, position } of sections) {
    let start = 0;
    while (start < text.length) {
      const end =
        text.length - start <= maxChars ? text.length : cutPoint(text, start, targetChars, maxChars);
      chunks.push({
        text: text.slice(start, end),
        position: { ...position, charStart: sectionStart + start },
      });
      start = end;
    }
    sectionStart += text.length + sectionSeparator.length;
  }
  return chunks;
}

/** Where the chunk starting at `start` ends: the boundary nearest `start + target` in reach. */
function cutPoint(text: string, start: number, target: number, max: number): number {
  const earliest = start + Math.floor(target / 2);
  const latest = start + max;
  const ideal = start + target;
  for (const boundary of boundaries) {
    let best = -1;
    boundary.lastIndex = earliest;
    for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
      const end = match.index + match[0].length;
      if (end > latest) break;
      if (best === -1 || Math.abs(end - ideal) < Math.abs(best - ideal)) best = end;
      if (end >= ideal) break;
    }
    if (best !== -1) return best;
  }
  // No boundary in reach (one very long word): cut, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(latest - 1);
  return code >= 0xd800 && code <= 0xdbff ? latest - 1 : latest;
}
