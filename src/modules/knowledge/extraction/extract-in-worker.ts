import type { DocumentKind } from '../knowledge-tables.ts';
import {
  type Extraction,
  ExtractionError,
  type ExtractionLimits,
  type ExtractionProgress,
} from './extraction.ts';
import type { ExtractionRequest, ExtractionWorkerMessage } from './extraction-worker.ts';
import {
  acquireExtractionWorker,
  discardExtractionWorker,
  releaseExtractionWorker,
} from './extraction-worker-pool.ts';

export interface ExtractInWorkerOptions {
  /** Called as the worker reports progress (PDF pages, XLSX sheets). */
  onProgress?: (progress: ExtractionProgress) => void;
  /** Stops the extraction: the worker is terminated and the promise rejects (`extraction_aborted`). */
  signal?: AbortSignal;
}

/**
 * Extracts a file in a worker thread, so that a hostile or huge file costs at most
 * `limits.timeoutMs` of time and `limits.memoryMb` of heap, and this thread stays free: the worker
 * is terminated at the deadline (`extraction_timeout`), dies alone when it passes its heap bound
 * (`extraction_memory_exceeded`), and is terminated on `signal`. Every failure rejects with an
 * `ExtractionError`. A worker that extracted its file serves later files (extraction-worker-pool.ts);
 * one that failed in any way, hostile files' refusals included, is never reused.
 */
export function extractInWorker(
  path: string,
  kind: DocumentKind,
  limits: ExtractionLimits,
  options: ExtractInWorkerOptions = {},
): Promise<Extraction> {
  const { onProgress, signal } = options;
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const worker = acquireExtractionWorker(limits.memoryMb);
    const thread = worker.thread;
    let settled = false;
    const settle = (reusable: boolean, outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      thread.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reusable) releaseExtractionWorker(limits.memoryMb, worker);
      else discardExtractionWorker(worker);
      outcome();
    };
    const fail = (error: ExtractionError) => settle(false, () => reject(error));
    const onAbort = () => fail(aborted());
    const onMessage = (message: ExtractionWorkerMessage) => {
      if (message.type === 'progress') onProgress?.({ done: message.done, total: message.total });
      else if (message.type === 'result') settle(true, () => resolve(message.extraction));
      else fail(new ExtractionError(message.code, message.message, message.details));
    };
    const onError = (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(
          new ExtractionError(
            'extraction_memory_exceeded',
            `Reading the file needed more than ${limits.memoryMb} MB of memory, the most a file may use.`,
          ),
        );
      } else {
        fail(
          new ExtractionError('extraction_failed', 'The file could not be read.', { reason: error.message }),
        );
      }
    };
    const onExit = (exitCode: number) =>
      fail(
        new ExtractionError('extraction_failed', 'The file could not be read: its reader stopped early.', {
          exitCode,
        }),
      );
    const timer = setTimeout(
      () =>
        fail(
          new ExtractionError(
            'extraction_timeout',
            `Reading the file took longer than ${seconds(limits.timeoutMs)}, the most a file may take.`,
          ),
        ),
      limits.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    thread.on('message', onMessage).on('error', onError).on('exit', onExit);
    thread.postMessage({ path, kind, limits } satisfies ExtractionRequest);
  });
}

function aborted(): ExtractionError {
  return new ExtractionError('extraction_aborted', 'The extraction was stopped before it finished.');
}

function seconds(milliseconds: number): string {
  return milliseconds >= 1000 ? `${Math.round(milliseconds / 1000)} s` : `${milliseconds} ms`;
}
