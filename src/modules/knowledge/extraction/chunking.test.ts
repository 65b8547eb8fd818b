import { describe, expect, it } from 'vitest';
import { type Chunk, chunkSections } from './chunking.ts';
import { type ExtractedSection, joinSections } from './extraction.ts';

/** Sentences of about 60 characters, numbered so that any loss or repeat shows. */
function sentences(count: number, label = 's'): string {
  return Array.from(
    { length: count },
    (_, index) => `Sentence ${label}${index} says something ordinary here.`,
  ).join(' ');
}

function expectExactCover(sections: ExtractedSection[], chunks: Chunk[]) {
  const text = joinSections(sections);
  for (const chunk of chunks) {
    expect(text.slice(chunk.position.charStart, chunk.position.charStart + chunk.text.length)).toBe(
      chunk.text,
    );
  }
  // Per section, the chunks joined are the section: nothing dropped, nothing repeated.
  for (const section of sections) {
    const own = chunks.filter(
      (chunk) =>
        JSON.stringify({ ...chunk.position, charStart: 0 }) ===
        JSON.stringify({ ...section.position, charStart: 0 }),
    );
    expect(own.map((chunk) => chunk.text).join('')).toBe(section.text);
  }
}

describe('chunkSections', () => {
  it('keeps a section up to maxChars as one chunk, with offsets into the joined text', () => {
    const sections: ExtractedSection[] = [
      { text: 'First page.', position: { page: 1 } },
      { text: 'Second page.', position: { page: 2 } },
    ];
    expect(chunkSections(sections)).toEqual([
      { text: 'First page.', position: { page: 1, charStart: 0 } },
      { text: 'Second page.', position: { page: 2, charStart: 13 } },
    ]);
  });

  it('cuts a long section near the target at paragraph ends, never past maxChars, never across sections', () => {
    const paragraphs = Array.from({ length: 20 }, (_, index) => sentences(6, `p${index}-`));
    const sections: ExtractedSection[] = [
      { text: paragraphs.join('\n\n'), position: { headingPath: ['Guide'] } },
      { text: sentences(50, 'b'), position: { headingPath: ['Guide', 'Details'] } },
    ];
    const chunks = chunkSections(sections, { targetChars: 1200, maxChars: 2000 });
    expectExactCover(sections, chunks);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(2000);
    const first = chunks.filter((chunk) => chunk.position.headingPath?.length === 1);
    expect(first.length).toBeGreaterThan(2);
    // Every chunk of the paragraphed section but the last ends at a paragraph break.
    for (const chunk of first.slice(0, -1)) expect(chunk.text.endsWith('\n\n')).toBe(true);
    // The unparagraphed one is cut after sentences.
    const second = chunks.filter((chunk) => chunk.position.headingPath?.length === 2);
    for (const chunk of second.slice(0, -1)) expect(chunk.text).toMatch(/\. $/);
  });

  it('cuts mid-word only when a word is longer than maxChars, and never inside a surrogate pair', () => {
    const sections: ExtractedSection[] = [{ text: `a😀${'😀'.repeat(3000)}`, position: {} }];
    const chunks = chunkSections(sections, { targetChars: 100, maxChars: 150 });
    expectExactCover(sections, chunks);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(150);
      expect(chunk.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    }
  });

  it('is deterministic', () => {
    const sections: ExtractedSection[] = [{ text: sentences(200), position: { page: 4 } }];
    expect(chunkSections(sections)).toEqual(chunkSections(sections));
  });

  it('gives nothing for no sections', () => {
    expect(chunkSections([])).toEqual([]);
  });
});
