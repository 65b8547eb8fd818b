/**
 * PDF extraction throughput: `extractInWorker` (a worker thread per file, with its time and
 * memory bounds) next to pdf.js called directly in this thread on the same ~50-page PDF, in the
 * same run, alternating file by file. The ratio is the share of pdf.js's own speed that the
 * isolation keeps (target: at least 80%). Run alone with `node bench/extraction.ts`.
 */
import { readFile } from 'node:fs/promises';
import { getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import * as pdfWorker from 'pdfjs-dist/legacy/build/pdf.worker.mjs';
import { extractInWorker } from '../src/modules/knowledge/extraction/extract-in-worker.ts';
import { defaultExtractionLimits } from '../src/modules/knowledge/extraction/extraction.ts';
import { buildPdf, createFixtureDirectory } from '../test/support/document-fixtures.ts';

const PAGES = 50;
const WARMUP_FILES = 3;
const MEASURED_FILES = Number(process.env.BENCH_EXTRACTION_FILES ?? '30');
const RATIO_TARGET = 0.8;

/** One way of extracting, measured over the same files. */
export interface ExtractionThroughput {
  pagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ExtractionBenchmark {
  pages: number;
  files: number;
  worker: ExtractionThroughput;
  direct: ExtractionThroughput;
  /** worker pages/s over direct pages/s. */
  ratio: number;
  pass: boolean;
}

/** pdf.js in this thread, as a caller without isolation would use it: every page's text. */
async function extractDirectly(path: string): Promise<number> {
  (globalThis as { pdfjsWorker?: unknown }).pdfjsWorker ??= pdfWorker;
  const bytes = await readFile(path);
  const loadingTask = getDocument({
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    disableFontFace: true,
    verbosity: VerbosityLevel.ERRORS,
  });
  try {
    const document = await loadingTask.promise;
    for (let pageNumber = 1; pageNumber <= document.numPages; pageNumber++) {
      const page = await document.getPage(pageNumber);
      await page.getTextContent();
      page.cleanup();
    }
    return document.numPages;
  } finally {
    await loadingTask.destroy();
  }
}

async function extractWithWorker(path: string): Promise<number> {
  const extraction = await extractInWorker(path, 'pdf', defaultExtractionLimits);
  return extraction.pageCount ?? 0;
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function throughput(durationsMs: readonly number[], pagesPerFile: number): ExtractionThroughput {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const totalMs = durationsMs.reduce((sum, duration) => sum + duration, 0);
  return {
    pagesPerSecond: (pagesPerFile * durationsMs.length) / (totalMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/** Measures both ways on the same generated PDF and returns (and prints) the comparison. */
export async function benchmarkExtraction(): Promise<ExtractionBenchmark> {
  const fixtures = await createFixtureDirectory();
  try {
    const path = await fixtures.write('bench.pdf', await buildPdf({ pages: PAGES }));
    const ways = { worker: extractWithWorker, direct: extractDirectly };
    const durations = { worker: [] as number[], direct: [] as number[] };
    for (let file = 0; file < WARMUP_FILES + MEASURED_FILES; file++) {
      // Alternating which goes first keeps drift (CPU clocks, GC) from favouring either.
      const order = file % 2 === 0 ? (['worker', 'direct'] as const) : (['direct', 'worker'] as const);
      for (const way of order) {
        const started = performance.now();
        const pages = await ways[way](path);
        if (pages !== PAGES) throw new Error(`${way} read ${pages} pages, not ${PAGES}`);
        if (file >= WARMUP_FILES) durations[way].push(performance.now() - started);
      }
    }
    const worker = throughput(durations.worker, PAGES);
    const direct = throughput(durations.direct, PAGES);
    const ratio = worker.pagesPerSecond / direct.pagesPerSecond;
    const result = {
      pages: PAGES,
      files: MEASURED_FILES,
      worker,
      direct,
      ratio,
      pass: ratio >= RATIO_TARGET,
    };
    console.log(formatBenchmark(result));
    return result;
  } finally {
    await fixtures.remove();
  }
}

function formatBenchmark(result: ExtractionBenchmark): string {
  const row = (name: string, measured: ExtractionThroughput) =>
    `${name.padEnd(22)} ${measured.pagesPerSecond.toFixed(0).padStart(8)} ${measured.p50Ms.toFixed(1).padStart(9)} ${measured.p99Ms.toFixed(1).padStart(9)}`;
  return [
    `PDF extraction, ${result.pages}-page PDF, ${result.files} files each way`,
    `${'way'.padEnd(22)} ${'pages/s'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`,
    row('extractInWorker', result.worker),
    row('pdf.js in this thread', result.direct),
    `ratio ${(result.ratio * 100).toFixed(1)}% (target >= ${RATIO_TARGET * 100}%): ${result.pass ? 'PASS' : 'FAIL'}`,
  ].join('\n');
}

if (import.meta.main) {
  const result = await benchmarkExtraction();
  process.exitCode = result.pass ? 0 : 1;
}
