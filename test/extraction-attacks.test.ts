/**
 * Knowledge extraction against hostile files, through the real worker: every attack is refused
 * with its code or neutralized within 5 s and a 256 MB worker heap, while this thread keeps
 * running (its timers fire on time, its memory stays flat) and nothing is fetched from the
 * network. The valid documents of each kind extract their fact where it is.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkSections } from '../src/modules/knowledge/extraction/chunking.ts';
import { extractInWorker } from '../src/modules/knowledge/extraction/extract-in-worker.ts';
import {
  defaultExtractionLimits,
  type Extraction,
  ExtractionError,
} from '../src/modules/knowledge/extraction/extraction.ts';
import type { DocumentKind } from '../src/modules/knowledge/knowledge-tables.ts';
import {
  buildCsv,
  buildDocx,
  buildMarkdown,
  buildPdf,
  buildText,
  buildXlsx,
  createFixtureDirectory,
  documentFacts,
} from './support/document-fixtures.ts';
import {
  buildBillionLaughsXlsx,
  buildDeeplyNestedPdf,
  buildElfExecutable,
  buildExternalImageDocx,
  buildFormulaInjectionCsv,
  buildHtmlPage,
  buildHugePageCountPdf,
  buildLyingPageCountPdf,
  buildLyingZipBombDocx,
  buildLyingZipBombXlsx,
  buildWindowsExecutable,
  buildXxeDocx,
  buildZipBombDocx,
  buildZipBombXlsx,
} from './support/hostile-document-fixtures.ts';

const limits = { ...defaultExtractionLimits, timeoutMs: 5_000, memoryMb: 256 };
const mebibyte = 1024 * 1024;

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
let loopback: Server;
let loopbackUrl: string;
const loopbackRequests: string[] = [];
const paths = new Map<string, string>();

beforeAll(async () => {
  loopback = createServer((request, response) => {
    loopbackRequests.push(request.url ?? '');
    response.end('<!ENTITY stolen "yes">');
  });
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  loopbackUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}`;
  fixtures = await createFixtureDirectory();
  const files: Record<string, Uint8Array | string> = {
    'manual.pdf': await buildPdf(),
    'handbook.docx': await buildDocx(),
    'staff.xlsx': await buildXlsx(),
    'inventory.csv': buildCsv(),
    'operations.md': buildMarkdown(),
    'notes.txt': buildText(),
    'bomb.docx': await buildZipBombDocx(),
    'bomb.xlsx': await buildZipBombXlsx(),
    'lying-bomb.docx': await buildLyingZipBombDocx(),
    'lying-bomb.xlsx': await buildLyingZipBombXlsx(),
    'xxe-file.docx': await buildXxeDocx('file:///etc/passwd'),
    'xxe-url.docx': await buildXxeDocx(`${loopbackUrl}/xxe.dtd`),
    'billion-laughs.xlsx': await buildBillionLaughsXlsx(),
    'nested.pdf': buildDeeplyNestedPdf(),
    'ten-million-pages.pdf': buildHugePageCountPdf(),
    'lying-page-count.pdf': buildLyingPageCountPdf(),
    'elf.pdf': buildElfExecutable(),
    'elf.xlsx': buildElfExecutable(),
    'exe.docx': buildWindowsExecutable(),
    'page.pdf': buildHtmlPage(),
    'linked-image.docx': await buildExternalImageDocx(loopbackUrl),
    'formulas.csv': buildFormulaInjectionCsv(),
  };
  for (const [name, bytes] of Object.entries(files)) paths.set(name, await fixtures.write(name, bytes));
});

afterAll(async () => {
  await fixtures?.remove();
  await new Promise((resolve) => loopback?.close(resolve));
});

interface Watched {
  outcome: Extraction | ExtractionError;
  elapsedMs: number;
  /** CPU time this thread spent meanwhile: parsing here would show as much as the extraction took. */
  threadCpuMs: number;
  /** The longest this thread's 10 ms timer waited between two ticks. */
  longestTickGapMs: number;
  /** Peak growth of the process's resident memory (the worker's included) and of this thread's heap. */
  rssGrowthBytes: number;
  heapGrowthBytes: number;
}

/** Extracts `name` in a worker while this thread's timer ticks and its memory is sampled. */
async function extractWatched(name: string, kind: DocumentKind): Promise<Watched> {
  const path = paths.get(name);
  if (!path) throw new Error(`no fixture ${name}`);
  const rssBefore = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = rssBefore;
  let peakHeap = heapBefore;
  let lastTick = performance.now();
  let longestTickGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longestTickGapMs = Math.max(longestTickGapMs, now - lastTick);
    lastTick = now;
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  const started = performance.now();
  const cpuBefore = process.threadCpuUsage();
  const outcome = await extractInWorker(path, kind, limits).catch((error: unknown) => {
    if (error instanceof ExtractionError) return error;
    throw error;
  });
  const cpu = process.threadCpuUsage(cpuBefore);
  const elapsedMs = performance.now() - started;
  clearInterval(ticker);
  return {
    outcome,
    elapsedMs,
    threadCpuMs: (cpu.user + cpu.system) / 1000,
    longestTickGapMs,
    rssGrowthBytes: peakRss - rssBefore,
    heapGrowthBytes: peakHeap - heapBefore,
  };
}

function expectHarmless(watched: Watched) {
  expect(watched.elapsedMs).toBeLessThan(5_000);
  // This thread only waited: its timers fired (within what a busy machine's scheduler allows) and
  // it used a few milliseconds of CPU whatever the file.
  expect(watched.longestTickGapMs).toBeLessThan(1_000);
  expect(watched.threadCpuMs).toBeLessThan(50);
  // The bombs unpack to 64-300 MB: none of that may show up, in the worker or here.
  expect(watched.rssGrowthBytes).toBeLessThan(200 * mebibyte);
  expect(watched.heapGrowthBytes).toBeLessThan(32 * mebibyte);
}

describe('valid documents', () => {
  it.each([
    ['manual.pdf', 'pdf', documentFacts.pdf, { page: 3 }],
    ['handbook.docx', 'docx', documentFacts.docx, { headingPath: ['Maintenance', 'Heating'] }],
    ['staff.xlsx', 'xlsx', documentFacts.xlsx, { sheet: 'Staff', rows: [1, 2] }],
    ['inventory.csv', 'csv', documentFacts.csv, { rows: [1, 4] }],
    ['operations.md', 'md', documentFacts.md, { headingPath: ['Operations', 'Security', 'Keys'] }],
    ['notes.txt', 'txt', documentFacts.txt, {}],
  ] as const)('%s yields its fact with its position', async (name, kind, fact, position) => {
    const watched = await extractWatched(name, kind);
    expectHarmless(watched);
    const extraction = watched.outcome as Extraction;
    expect(extraction).not.toBeInstanceOf(ExtractionError);
    expect(extraction.findings).toEqual([]);
    const chunk = chunkSections(extraction.sections).find((candidate) => candidate.text.includes(fact));
    expect(chunk?.position).toEqual({ ...position, charStart: expect.any(Number) });
  });
});

describe('attacks', () => {
  it.each([
    ['bomb.docx', 'docx', 'archive_too_large'],
    ['bomb.xlsx', 'xlsx', 'archive_ratio_exceeded'],
    ['lying-bomb.docx', 'docx', 'archive_size_mismatch'],
    ['lying-bomb.xlsx', 'xlsx', 'archive_size_mismatch'],
    ['xxe-file.docx', 'docx', 'xml_entities_refused'],
    ['xxe-url.docx', 'docx', 'xml_entities_refused'],
    ['billion-laughs.xlsx', 'xlsx', 'xml_entities_refused'],
    ['nested.pdf', 'pdf', 'document_too_complex'],
    ['ten-million-pages.pdf', 'pdf', 'too_many_pages'],
    ['elf.pdf', 'pdf', 'invalid_document'],
    ['elf.xlsx', 'xlsx', 'invalid_document'],
    ['exe.docx', 'docx', 'invalid_document'],
    ['page.pdf', 'pdf', 'invalid_document'],
  ] as const)('%s (%s) is refused with %s', async (name, kind, code) => {
    const watched = await extractWatched(name, kind);
    expectHarmless(watched);
    expect(watched.outcome).toBeInstanceOf(ExtractionError);
    expect(watched.outcome).toMatchObject({ code, message: expect.stringMatching(/^[A-Z].*\.$/) });
  });

  it('a page tree lying about its page count is read as the pages it has', async () => {
    const watched = await extractWatched('lying-page-count.pdf', 'pdf');
    expectHarmless(watched);
    expect(watched.outcome).toMatchObject({
      pageCount: 1,
      sections: [{ text: 'One real page', position: { page: 1 } }],
    });
  });

  it('linked images, links and templates are reported and never fetched', async () => {
    const watched = await extractWatched('linked-image.docx', 'docx');
    expectHarmless(watched);
    const extraction = watched.outcome as Extraction;
    expect(extraction.sections.map((section) => section.text)).toEqual([
      'A document with a linked picture.\n\nSee the site',
    ]);
    expect(extraction.findings.map((finding) => finding.message)).toEqual([
      `The document refers to an external image: ${loopbackUrl}/x.png (it is not fetched).`,
      `The document refers to an external link: ${loopbackUrl}/page (it is not fetched).`,
      `The document refers to an external template: ${loopbackUrl}/template.dotm (it is not fetched).`,
    ]);
    expect(loopbackRequests).toEqual([]);
  });

  it('formula cells in a CSV are neutralized and reported', async () => {
    const watched = await extractWatched('formulas.csv', 'csv');
    expectHarmless(watched);
    const extraction = watched.outcome as Extraction;
    const text = extraction.sections.map((section) => section.text).join('\n');
    expect(text).toContain(`'=HYPERLINK(`);
    expect(text).toContain(`'+cmd`);
    expect(text).toContain(`'@SUM(`);
    expect(text).toContain('| -3.5 |');
    expect(extraction.findings.filter((finding) => finding.code === 'formula_injection')).toHaveLength(4);
  });

  it('nothing reached the loopback server', () => {
    expect(loopbackRequests).toEqual([]);
  });
});
