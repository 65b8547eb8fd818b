import { readFile } from 'node:fs/promises';
import type { ContentFinding, DocumentKind } from '../knowledge-tables.ts';
import { findSuspiciousText } from './extracted-findings.ts';
import { type Extraction, ExtractionError, type ExtractionLimits } from './extraction.ts';
import { extractMarkdown, extractPlainText } from './plain-text.ts';
import { SectionCollector } from './section-collector.ts';

const kindNames: Record<DocumentKind, string> = {
  pdf: 'PDF',
  docx: 'Word document',
  xlsx: 'Excel workbook',
  csv: 'CSV file',
  md: 'Markdown file',
  txt: 'text file',
};

/**
 * Extracts one file in this thread: the OOXML guard first for DOCX and XLSX, then the kind's
 * extractor, then the scan of the text for script-like content. Runs inside the extraction worker
 * (`extractInWorker`), which adds the time and memory bounds; call it directly only on trusted
 * files. Every failure is an `ExtractionError`. The heavy parsers are imported on first use, so
 * that a worker extracting a CSV never loads pdf.js or exceljs.
 */
export async function extractDocument(
  path: string,
  kind: DocumentKind,
  limits: ExtractionLimits,
  onProgress?: (done: number, total: number) => void,
): Promise<Extraction> {
  const collector = new SectionCollector(limits.maxChars);
  const findings: ContentFinding[] = [];
  let pageCount: number | null = null;
  try {
    switch (kind) {
      case 'pdf': {
        const { extractPdf } = await import('./pdf-text.ts');
        const bytes = await readFile(path);
        ({ pageCount } = await extractPdf(bytes, collector, { maxPages: limits.maxPages, onProgress }));
        break;
      }
      case 'docx': {
        const [{ checkOoxmlArchive }, { extractDocx }] = await Promise.all([
          import('./ooxml-guard.ts'),
          import('./docx-text.ts'),
        ]);
        const bytes = await readFile(path);
        findings.push(...(await checkOoxmlArchive(bytes, limits)));
        await extractDocx(bytes, collector);
        break;
      }
      case 'xlsx': {
        const [{ checkOoxmlArchive }, { extractXlsx }] = await Promise.all([
          import('./ooxml-guard.ts'),
          import('./xlsx-text.ts'),
        ]);
        const bytes = await readFile(path);
        findings.push(...(await checkOoxmlArchive(bytes, limits)));
        findings.push(...(await extractXlsx(bytes, collector, onProgress)));
        break;
      }
      case 'csv': {
        const { extractCsv } = await import('./csv-text.ts');
        findings.push(...(await extractCsv(path, collector)));
        break;
      }
      case 'md':
        extractMarkdown(await readFile(path), collector);
        break;
      case 'txt':
        extractPlainText(await readFile(path), collector);
        break;
    }
  } catch (error) {
    throw readableError(kindNames[kind], error);
  }
  findings.push(...findSuspiciousText(collector.sections));
  return { sections: collector.sections, pageCount, findings };
}

function readableError(kindName: string, error: unknown): ExtractionError {
  if (error instanceof ExtractionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  // pdf.js passes its parser's errors on as messages, so a stack overflow is known by its text.
  if (reason.includes('Maximum call stack size exceeded')) {
    return new ExtractionError(
      'document_too_complex',
      `The ${kindName} is nested too deeply to be read, as crafted files are.`,
      { reason },
    );
  }
  return new ExtractionError('invalid_document', `The ${kindName} could not be read; it may be damaged.`, {
    reason,
  });
}
