import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import * as pdfWorker from 'pdfjs-dist/legacy/build/pdf.worker.mjs';
import { ExtractionError } from './extraction.ts';
import type { SectionCollector } from './section-collector.ts';

// pdf.js parses in this thread (its "fake worker") with the handler given here, so it neither
// starts a worker nor imports a worker script by URL.
(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= pdfWorker;

// Character maps (for CJK fonts' text) are read from pdfjs-dist's own files: a path into the
// package, never a URL. Standard font programs are not given: text needs no glyph outlines, and
// reading them costs 10% of a 50-page PDF's extraction.
const cMapUrl = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'cmaps')}/`;

/**
 * A PDF's text, one section per page (with `page`). The page count is checked before any page is
 * read: a PDF with more than `maxPages` (or one whose page tree claims millions) is refused.
 * pdf.js 6 has no eval-based code path left (its `isEvalSupported` option is gone); fonts are
 * never installed (`disableFontFace`), WebAssembly decoders and system fonts are off, so a
 * hostile file makes pdf.js load nothing from anywhere.
 */
export async function extractPdf(
  bytes: Uint8Array,
  collector: SectionCollector,
  options: { maxPages: number; onProgress?: (done: number, total: number) => void },
): Promise<{ pageCount: number }> {
  const loadingTask = getDocument({
    // pdf.js refuses a Buffer; the view shares its memory (pdf.js takes it over).
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    disableFontFace: true,
    useSystemFonts: false,
    useWasm: false,
    enableXfa: false,
    cMapUrl,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    const document = await loadingTask.promise;
    const pageCount = document.numPages;
    if (pageCount > options.maxPages) {
      throw new ExtractionError(
        'too_many_pages',
        `The PDF has ${pageCount.toLocaleString('en-US')} pages; at most ${options.maxPages.toLocaleString('en-US')} are read.`,
      );
    }
    for (let pageNumber = 1; pageNumber <= pageCount; pageNumber++) {
      const page = await document.getPage(pageNumber);
      const content = await page.getTextContent();
      collector.add(
        content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''),
        { page: pageNumber },
      );
      page.cleanup();
      options.onProgress?.(pageNumber, pageCount);
    }
    return { pageCount };
  } catch (error) {
    throw pdfError(error);
  } finally {
    await loadingTask.destroy();
  }
}

function pdfError(error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'InvalidPDFException') {
    return new ExtractionError('invalid_document', 'The file is not a readable PDF.');
  }
  if (name === 'PasswordException') {
    return new ExtractionError(
      'document_encrypted',
      'The PDF is protected by a password; upload it without one.',
    );
  }
  return error;
}
