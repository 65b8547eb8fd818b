import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCsv,
  buildPdf,
  createFixtureDirectory,
  documentFacts,
} from '../../../../test/support/document-fixtures.ts';
import { buildHugePageCountPdf } from '../../../../test/support/hostile-document-fixtures.ts';
import { extractDocument } from './extract-document.ts';
import { extractInWorker } from './extract-in-worker.ts';
import { defaultExtractionLimits, ExtractionError, type ExtractionProgress } from './extraction.ts';
import { idleExtractionWorkerCount } from './extraction-worker-pool.ts';

let fixtures: Awaited<ReturnType<typeof createFixtureDirectory>>;
let manualPdf: string;
/** 1,000 real pages (a page tree listing one page 10 x 10 x 10 times): half a second of work or more. */
let thousandPagePdf: string;
const limits = { ...defaultExtractionLimits, maxPages: 5_000 };

beforeAll(async () => {
  fixtures = await createFixtureDirectory();
  manualPdf = await fixtures.write('manual.pdf', await buildPdf());
  thousandPagePdf = await fixtures.write('thousand.pdf', buildHugePageCountPdf(3));
});
afterAll(() => fixtures.remove());

async function failure(promise: Promise<unknown>) {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ExtractionError);
  return error as ExtractionError;
}

describe('extractInWorker', () => {
  it('gives what extraction in this thread gives, reporting progress per page', async () => {
    const progress: ExtractionProgress[] = [];
    const extraction = await extractInWorker(manualPdf, 'pdf', limits, {
      onProgress: (step) => progress.push(step),
    });
    expect(extraction).toEqual(await extractDocument(manualPdf, 'pdf', limits));
    expect(extraction.pageCount).toBe(5);
    expect(extraction.sections.find((section) => section.text.includes(documentFacts.pdf))?.position).toEqual(
      { page: 3 },
    );
    expect(progress).toEqual([1, 2, 3, 4, 5].map((done) => ({ done, total: 5 })));
  });

  it('passes the extractor’s refusal on as an ExtractionError, and never reuses that worker', async () => {
    await extractInWorker(manualPdf, 'pdf', limits);
    const idle = idleExtractionWorkerCount();
    expect(idle).toBeGreaterThan(0);
    const error = await failure(extractInWorker(manualPdf, 'pdf', { ...limits, maxPages: 2 }));
    expect(error).toMatchObject({
      code: 'too_many_pages',
      message: 'The PDF has 5 pages; at most 2 are read.',
      status: 422,
    });
    // The refusal took an idle worker and ended it.
    expect(idleExtractionWorkerCount()).toBe(idle - 1);
  });

  it('terminates a worker that passes the time limit', async () => {
    const started = performance.now();
    const error = await failure(extractInWorker(thousandPagePdf, 'pdf', { ...limits, timeoutMs: 150 }));
    expect(error).toMatchObject({
      code: 'extraction_timeout',
      message: 'Reading the file took longer than 150 ms, the most a file may take.',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops a worker that passes its heap bound, and the next file extracts normally', async () => {
    const rows = Array.from(
      { length: 400_000 },
      (_, index) => `row ${index},some text value ${index},${index * 3.5}`,
    );
    const bigCsv = await fixtures.write('big.csv', `a,b,c\n${rows.join('\n')}`);
    const smallCsv = await fixtures.write('small.csv', buildCsv());
    const tight = { ...limits, memoryMb: 16, maxChars: 100_000_000 };
    // The bound is not too tight to start: a small file fits in it.
    expect((await extractInWorker(smallCsv, 'csv', tight)).sections).toHaveLength(1);
    const error = await failure(extractInWorker(bigCsv, 'csv', tight));
    expect(error).toMatchObject({
      code: 'extraction_memory_exceeded',
      message: 'Reading the file needed more than 16 MB of memory, the most a file may use.',
    });
    expect((await extractInWorker(smallCsv, 'csv', tight)).sections).toHaveLength(1);
  });

  it('terminates the worker when the signal aborts', async () => {
    const controller = new AbortController();
    let lastDone = 0;
    const extraction = extractInWorker(thousandPagePdf, 'pdf', limits, {
      signal: controller.signal,
      onProgress: ({ done }) => {
        lastDone = done;
        if (done === 10) controller.abort();
      },
    });
    const error = await failure(extraction);
    expect(error).toMatchObject({ code: 'extraction_aborted' });
    // Ended at once: the thousand pages were not read to the end.
    expect(lastDone).toBeLessThan(100);
    await expect(
      extractInWorker(manualPdf, 'pdf', limits, { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'extraction_aborted',
    });
  });
});
