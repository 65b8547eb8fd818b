import { type ExtractedSection, ExtractionError, sectionSeparator } from './extraction.ts';

/**
 * Gathers an extractor's sections as it reads: each trimmed, blank ones dropped, and the joined
 * text kept within `maxChars`, so that a huge document fails as soon as it passes the bound rather
 * than after it has filled the heap.
 */
export class SectionCollector {
  readonly sections: ExtractedSection[] = [];
  #charCount = 0;
  readonly #maxChars: number;

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  add(text: string, position: ExtractedSection['position'] = {}): void {
    const trimmed = text.trim();
    if (trimmed === '') return;
    const separator = this.sections.length === 0 ? 0 : sectionSeparator.length;
    this.#charCount += separator + trimmed.length;
    if (this.#charCount > this.#maxChars) {
      throw new ExtractionError(
        'text_too_long',
        `The document has more than ${this.#maxChars.toLocaleString('en-US')} characters of text, the most a file may have.`,
      );
    }
    this.sections.push({ text: trimmed, position });
  }
}
