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
import { percentile } from './load.ts';
import { formatMs, formatPercent, formatRate, formatTable, formatTimes } from './table.ts';
import { type TargetOutcome, verdict } from './targets.ts';

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

function throughput(durationsMs: readonly number[], pagesPerFile: number): ExtractionThroughput {
  const sorted = Float64Array.from(durationsMs).sort();
  const totalMs = durationsMs.reduce((sum, duration) => sum + duration, 0);
  return {
    pagesPerSecond: (pagesPerFile * durationsMs.length) / (totalMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

/** Measures both ways on the same generated PDF, file by file, and returns the comparison. */
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
    return { pages: PAGES, files: MEASURED_FILES, worker, direct, ratio, pass: ratio >= RATIO_TARGET };
  } finally {
    await fixtures.remove();
  }
}

/** The two ways side by side, pdf.js in this thread being the ceiling. */
export function formatExtraction(result: ExtractionBenchmark): string {
  const { direct } = result;
  const row = (name: string, measured: ExtractionThroughput) => [
    name,
    formatRate(measured.pagesPerSecond),
    formatPercent(measured.pagesPerSecond / direct.pagesPerSecond),
    formatMs(measured.p50Ms),
    formatMs(measured.p99Ms),
    formatTimes(measured.p50Ms / direct.p50Ms),
  ];
  return [
    `PDF extraction: a ${result.pages}-page PDF, ${result.files} files each way, alternating (ceiling: pdf.js in this thread, no isolation):`,
    formatTable(
      ['way', 'pages/s', 'vs ceiling', 'p50 ms', 'p99 ms', 'p50 vs ceiling'],
      [row('pdf.js in this thread (ceiling)', direct), row('extractInWorker', result.worker)],
    ),
  ].join('\n');
}

/** The target: the worker keeps at least 80% of pdf.js's own pages/s (on any database). */
export const extractionTarget = (result: ExtractionBenchmark): TargetOutcome => ({
  text: `PDF extraction in a worker >= ${formatPercent(RATIO_TARGET)} of pdf.js's pages/s: ${formatPercent(result.ratio)} (${formatRate(result.worker.pagesPerSecond)} of ${formatRate(result.direct.pagesPerSecond)} pages/s)`,
  pass: result.pass,
  binding: true,
});

if (import.meta.main) {
  const result = await benchmarkExtraction();
  const target = extractionTarget(result);
  console.log(`${formatExtraction(result)}\n${verdict(target)}  ${target.text}`);
  process.exitCode = result.pass ? 0 : 1;
}
