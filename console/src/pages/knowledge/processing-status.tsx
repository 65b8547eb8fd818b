import type { LiveEvent } from '../../api/live-events.ts';

export type ProcessingStatus = 'pending' | 'processing' | 'processed' | 'failed';

/** What a `file-processing-updated` event says of a file (docs/events.md). */
export interface ProcessingUpdate {
  status: ProcessingStatus;
  error: string | null;
  progress: { done: number; total: number } | null;
}

/** The update an event carries for each of its files (every file with the same bytes). */
export function processingUpdates(event: LiveEvent): Map<string, ProcessingUpdate> {
  const data = event.data as {
    file_ids?: string[];
    processing_status?: ProcessingStatus;
    error?: string | null;
    progress?: { done: number; total: number } | null;
  };
  const updates = new Map<string, ProcessingUpdate>();
  if (!data.processing_status) return updates;
  for (const fileId of data.file_ids ?? [])
    updates.set(fileId, {
      status: data.processing_status,
      error: data.error ?? null,
      progress: data.progress ?? null,
    });
  return updates;
}

const badges: Record<ProcessingStatus, string> = {
  pending: 'badge',
  processing: 'badge warn',
  processed: 'badge ok',
  failed: 'badge bad',
};

const explanations: Record<ProcessingStatus, string> = {
  pending: 'pending (extracted when an agent first reads it)',
  processing: 'processing',
  processed: 'processed',
  failed: 'failed',
};

/** A file's extraction state, its progress while it runs (pages of a PDF), its error when it failed. */
export function ProcessingState({
  status,
  error,
  progress,
}: {
  status: ProcessingStatus;
  error: string | null;
  progress?: { done: number; total: number } | null;
}) {
  return (
    <span className="processing-state" data-testid="processing-status" data-status={status}>
      <span className={badges[status]} title={explanations[status]}>
        {status}
      </span>
      {status === 'processing' && progress && progress.total > 0 ? (
        <progress
          aria-label="Extraction progress"
          max={progress.total}
          value={Math.min(progress.done, progress.total)}
        />
      ) : null}
      {status === 'processing' && progress ? (
        <span className="muted">
          {progress.done} / {progress.total}
        </span>
      ) : null}
      {status === 'failed' && error ? <span className="processing-error">{error}</span> : null}
    </span>
  );
}
