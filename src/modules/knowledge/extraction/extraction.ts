import { AppError } from '../../../platform/http/errors.ts';
import type { ChunkPosition, ContentFinding } from '../knowledge-tables.ts';

/** A passage of a document as its extractor found it: a page, a block of rows, a headed part. */
export interface ExtractedSection {
  text: string;
  position: Omit<ChunkPosition, 'charStart'>;
}

/** What a document yields: its sections in order, its page count (PDF) and what was noticed. */
export interface Extraction {
  sections: ExtractedSection[];
  pageCount: number | null;
  findings: ContentFinding[];
}

/** How far an extraction is: `done` of `total` units (PDF pages, XLSX sheets). */
export interface ExtractionProgress {
  done: number;
  total: number;
}

/** The bounds one file's extraction runs within; a file beyond any of them fails readably. */
export interface ExtractionLimits {
  /** Wall time of the whole extraction, worker start included. */
  timeoutMs: number;
  /** Heap of the worker thread (V8 old generation). */
  memoryMb: number;
  /** Pages of a PDF; a PDF with more is refused before any page is read. */
  maxPages: number;
  /** Entries of a DOCX/XLSX archive. */
  maxArchiveEntries: number;
  /** Uncompressed bytes of a DOCX/XLSX archive, all entries together. */
  maxArchiveBytes: number;
  /** Uncompressed to compressed size of any one large entry (zip bombs compress ~1000:1). */
  maxArchiveRatio: number;
  /** Characters of extracted text (sections joined as by `joinSections`). */
  maxChars: number;
}

export const defaultExtractionLimits: ExtractionLimits = {
  timeoutMs: 60_000,
  memoryMb: 256,
  maxPages: 2_000,
  maxArchiveEntries: 10_000,
  maxArchiveBytes: 256 * 1024 * 1024,
  // Apache POI's default (ZipSecureFile's minimum inflate ratio of 0.01).
  maxArchiveRatio: 100,
  maxChars: 20_000_000,
};

/**
 * A file that could not be extracted, with a stable code (`archive_too_large`,
 * `xml_entities_refused`, `too_many_pages`, `extraction_timeout`, ...) and a message for the
 * person who uploaded it. The file is at fault, so it maps to 422.
 */
export class ExtractionError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { status: 422, details });
  }
}

/** The text between sections in a document's extracted text. */
export const sectionSeparator = '\n\n';

/** A document's extracted text: its sections joined; chunk offsets (`charStart`) point into it. */
export function joinSections(sections: readonly ExtractedSection[]): string {
  return sections.map((section) => section.text).join(sectionSeparator);
}

/** The length of `joinSections(sections)`, without building it. */
export function extractedCharCount(sections: readonly ExtractedSection[]): number {
  if (sections.length === 0) return 0;
  let count = sectionSeparator.length * (sections.length - 1);
  for (const section of sections) count += section.text.length;
  return count;
}
