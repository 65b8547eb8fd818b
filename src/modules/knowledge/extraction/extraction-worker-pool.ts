import { Worker } from 'node:worker_threads';

const workerUrl = new URL('./extraction-worker.ts', import.meta.url);

/** Files one worker extracts before it is retired: whatever a file could leave behind is bounded. */
const maxFilesPerWorker = 100;
/** Workers kept waiting for the next file, per heap bound. */
const maxIdleWorkers = 2;
/** An idle worker ends after this long without a file. */
const idleTimeoutMs = 30_000;

/** A worker thread lent for one file. */
export interface ExtractionWorker {
  readonly thread: Worker;
  files: number;
  idleTimer?: NodeJS.Timeout;
}

const idle = new Map<number, ExtractionWorker[]>();

/**
 * A worker whose heap is bounded by `memoryMb` (old generation; the young one is a quarter of it,
 * at most 64 MB): an idle one that has extracted files before, else a new one. Reuse is the point
 * of the pool: a fresh thread imports pdf.js and runs it cold, 4 to 5 times slower on a 50-page PDF
 * than a warm one (bench/extraction.ts). Give it back with `releaseExtractionWorker` after a file
 * it extracted, or `discardExtractionWorker` after any failure.
 */
export function acquireExtractionWorker(memoryMb: number): ExtractionWorker {
  const reused = idle.get(memoryMb)?.pop();
  if (reused) {
    clearTimeout(reused.idleTimer);
    reused.thread.ref();
    return reused;
  }
  const thread = new Worker(workerUrl, {
    // The process's own flags (--input-type, --import of instrumentation, ...) are not the worker's.
    execArgv: [],
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: Math.max(1, Math.min(64, Math.floor(memoryMb / 4))),
    },
  });
  const worker: ExtractionWorker = { thread, files: 0 };
  // A worker that dies while idle leaves the pool; its error then (or after its file's outcome)
  // concerns no file, and must not end the process as an unhandled 'error' event would.
  thread.once('exit', () => removeIdle(memoryMb, worker));
  thread.on('error', () => {});
  return worker;
}

/**
 * Takes back a worker that extracted its file: it waits for the next file of the same heap bound,
 * unreferenced so that it never keeps the process alive, unless it has done its share of files or
 * enough others are waiting.
 */
export function releaseExtractionWorker(memoryMb: number, worker: ExtractionWorker): void {
  worker.files++;
  const waiting = idle.get(memoryMb) ?? [];
  if (worker.files >= maxFilesPerWorker || waiting.length >= maxIdleWorkers) {
    discardExtractionWorker(worker);
    return;
  }
  worker.thread.unref();
  worker.idleTimer = setTimeout(() => {
    removeIdle(memoryMb, worker);
    discardExtractionWorker(worker);
  }, idleTimeoutMs).unref();
  waiting.push(worker);
  idle.set(memoryMb, waiting);
}

/**
 * Ends a worker whose file failed (refused, timed out, aborted, out of memory): a file that failed
 * may be hostile, and whatever it did to the thread's state stays out of later files.
 */
export function discardExtractionWorker(worker: ExtractionWorker): void {
  void worker.thread.terminate();
}

/** How many workers wait for a file (all heap bounds together). */
export function idleExtractionWorkerCount(): number {
  let count = 0;
  for (const workers of idle.values()) count += workers.length;
  return count;
}

function removeIdle(memoryMb: number, worker: ExtractionWorker) {
  const waiting = idle.get(memoryMb);
  const index = waiting?.indexOf(worker) ?? -1;
  if (waiting && index >= 0) waiting.splice(index, 1);
}
