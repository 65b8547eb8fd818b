import type { SectionCollector } from './section-collector.ts';

/**
 * The text of a file's bytes: UTF-8 unless a byte-order mark says UTF-16, the mark dropped,
 * invalid sequences replaced (never an error), line ends made `\n`.
 */
export function decodeText(bytes: Uint8Array): string {
  const encoding =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? 'utf-16le'
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? 'utf-16be'
        : 'utf-8';
  return new TextDecoder(encoding).decode(bytes).replace(/\r\n?/g, '\n');
}

/** A TXT file: its text, one section (chunking splits it). */
export function extractPlainText(bytes: Uint8Array, collector: SectionCollector): void {
  collector.add(decodeText(bytes));
}

const atxHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const codeFence = /^ {0,3}(`{3,}|~{3,})/;

/**
 * A Markdown file: one section per heading (the heading line first), with the headings above it
 * as `headingPath`. Text before the first heading is a section without one; `#` lines inside
 * fenced code are not headings.
 */
export function extractMarkdown(bytes: Uint8Array, collector: SectionCollector): void {
  const headings: string[] = [];
  let lines: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    collector.add(lines.join('\n'), headings.length > 0 ? { headingPath: [...headings] } : {});
    lines = [];
  };
  for (const line of decodeText(bytes).split('\n')) {
    const fenceMatch = codeFence.exec(line);
    if (fenceMatch?.[1] && (fence === null || fenceMatch[1].startsWith(fence))) {
      fence = fence === null ? fenceMatch[1] : null;
    }
    const heading = fence === null ? atxHeading.exec(line) : null;
    if (heading?.[1]) {
      flush();
      headings.length = Math.min(headings.length, heading[1].length - 1);
      // A skipped level (# then ###) leaves no empty name in the path.
      headings.push((heading[2] ?? '').trim());
    }
    lines.push(line);
  }
  flush();
}
