import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  acquireExtractionWorker,
  discardExtractionWorker,
  type ExtractionWorker,
  idleExtractionWorkerCount,
  releaseExtractionWorker,
} from './extraction-worker-pool.ts';

const memoryMb = 48;

async function exited(worker: ExtractionWorker) {
  if (worker.thread.threadId === -1) return;
  await once(worker.thread, 'exit');
}

describe('the extraction worker pool', () => {
  it('lends a released worker again, for the same heap bound only', async () => {
    const first = acquireExtractionWorker(memoryMb);
    releaseExtractionWorker(memoryMb, first);
    expect(idleExtractionWorkerCount()).toBe(1);
    const other = acquireExtractionWorker(memoryMb + 1);
    expect(other).not.toBe(first);
    expect(acquireExtractionWorker(memoryMb)).toBe(first);
    expect(idleExtractionWorkerCount()).toBe(0);
    discardExtractionWorker(first);
    discardExtractionWorker(other);
    await Promise.all([exited(first), exited(other)]);
  });

  it('keeps two idle workers per heap bound and ends the others', async () => {
    const workers = [1, 2, 3].map(() => acquireExtractionWorker(memoryMb));
    for (const worker of workers) releaseExtractionWorker(memoryMb, worker);
    expect(idleExtractionWorkerCount()).toBe(2);
    await exited(workers[2] as ExtractionWorker);
    // An idle worker that ends leaves the pool.
    discardExtractionWorker(workers[0] as ExtractionWorker);
    await exited(workers[0] as ExtractionWorker);
    expect(idleExtractionWorkerCount()).toBe(1);
    discardExtractionWorker(acquireExtractionWorker(memoryMb));
    expect(idleExtractionWorkerCount()).toBe(0);
  });

  it('retires a worker after 100 files', async () => {
    const worker = acquireExtractionWorker(memoryMb);
    for (let file = 1; file < 100; file++) {
      releaseExtractionWorker(memoryMb, worker);
      expect(acquireExtractionWorker(memoryMb)).toBe(worker);
    }
    releaseExtractionWorker(memoryMb, worker);
    expect(idleExtractionWorkerCount()).toBe(0);
    await exited(worker);
  });

  it('never keeps the process alive with idle workers', async () => {
    const script = `
      import { extractInWorker } from ${JSON.stringify(fileURLToPath(new URL('./extract-in-worker.ts', import.meta.url)))};
      import { defaultExtractionLimits } from ${JSON.stringify(fileURLToPath(new URL('./extraction.ts', import.meta.url)))};
      const extraction = await extractInWorker(${JSON.stringify(fileURLToPath(import.meta.url))}, 'txt', defaultExtractionLimits);
      console.log(extraction.sections.length);
    `;
    const started = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('1');
    // The idle worker would hold the process for 30 s if it were referenced.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
