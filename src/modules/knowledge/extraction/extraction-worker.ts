/**
 * An extraction worker thread (see extraction-worker-pool.ts): for each request it is sent, one at
 * a time, it extracts the file, posting `progress` as it goes (a PDF page, an XLSX sheet), then the
 * result or the failure. Plain Node runs it (type stripping), never a bundler.
 */
import { parentPort } from 'node:worker_threads';
import type { DocumentKind } from '../knowledge-tables.ts';
import { extractDocument } from './extract-document.ts';
import type { Extraction, ExtractionError, ExtractionLimits } from './extraction.ts';

/** What the worker is asked to extract. */
export interface ExtractionRequest {
  path: string;
  kind: DocumentKind;
  limits: ExtractionLimits;
}

/** What the worker posts per request: progress any number of times, then one result or failure. */
export type ExtractionWorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; extraction: Extraction }
  | { type: 'failed'; code: string; message: string; details: Record<string, unknown> | undefined };

const port = parentPort;
if (!port) throw new Error('extraction-worker.ts runs as a worker thread');
const post = (message: ExtractionWorkerMessage) => port.postMessage(message);

port.on('message', async (request: ExtractionRequest) => {
  try {
    const extraction = await extractDocument(request.path, request.kind, request.limits, (done, total) =>
      post({ type: 'progress', done, total }),
    );
    post({ type: 'result', extraction });
  } catch (error) {
    // extractDocument fails only with ExtractionError; its class does not cross the thread boundary.
    const { code, message, details } = error as ExtractionError;
    post({ type: 'failed', code, message, details });
  }
});
