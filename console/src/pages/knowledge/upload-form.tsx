import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ApiError, asApiError } from '../../api/api-error.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { formatBytes } from './format.ts';
import { type FileView, type UploadProgress, uploadWithProgress } from './upload-with-progress.ts';

interface Upload {
  key: string;
  name: string;
  progress: UploadProgress;
  state: 'waiting' | 'uploading' | 'uploaded' | 'refused';
  error?: ApiError;
}

/**
 * Picks one or more documents and uploads them one after the other (uploads have their own rate
 * class), each with its progress bar and, when the API refuses it, the API's own message.
 */
export function UploadForm({ onUploaded }: { onUploaded: (file: FileView) => void }) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<File[]>([]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [busy, setBusy] = useState(false);
  const leaving = useRef(new AbortController());
  useEffect(() => {
    const controller = new AbortController();
    leaving.current = controller;
    return () => controller.abort();
  }, []);

  const update = (key: string, change: Partial<Upload>) =>
    setUploads((previous) =>
      previous.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)),
    );

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (picked.length === 0) return;
    const batch = picked.map((file, index) => ({
      file,
      upload: {
        key: `${Date.now()}-${index}-${file.name}`,
        name: file.name,
        progress: { sent: 0, total: file.size },
        state: 'waiting' as const,
      },
    }));
    setUploads((previous) => [...batch.map(({ upload }) => upload), ...previous]);
    setPicked([]);
    if (input.current) input.current.value = '';
    setBusy(true);
    for (const { file, upload } of batch) {
      if (leaving.current.signal.aborted) return;
      update(upload.key, { state: 'uploading' });
      try {
        const stored = await uploadWithProgress(
          file,
          (progress) => update(upload.key, { progress }),
          leaving.current.signal,
        );
        update(upload.key, { state: 'uploaded' });
        onUploaded(stored);
      } catch (error) {
        if (leaving.current.signal.aborted) return;
        update(upload.key, { state: 'refused', error: asApiError(error) });
      }
    }
    setBusy(false);
  };

  return (
    <form className="card upload-form" aria-label="Upload files" onSubmit={(event) => void onSubmit(event)}>
      <h2>Upload</h2>
      <div className="field">
        <label htmlFor={inputId}>Files to upload</label>
        <input
          id={inputId}
          ref={input}
          type="file"
          multiple
          accept=".pdf,.docx,.xlsx,.csv,.md,.txt"
          aria-describedby={`${inputId}-hint`}
          onChange={(event) => setPicked(Array.from(event.target.files ?? []))}
        />
        <small id={`${inputId}-hint`} className="field-hint">
          PDF, DOCX, XLSX, CSV, Markdown or plain text; the server checks each file.
        </small>
      </div>
      <button type="submit" className="primary" disabled={busy || picked.length === 0}>
        {picked.length > 1 ? `Upload ${picked.length} files` : 'Upload'}
      </button>
      {uploads.length > 0 ? (
        <ul className="upload-list" aria-label="Uploads">
          {uploads.map((upload) => (
            <UploadRow key={upload.key} upload={upload} />
          ))}
        </ul>
      ) : null}
    </form>
  );
}

function UploadRow({ upload }: { upload: Upload }) {
  const { sent, total } = upload.progress;
  return (
    <li className={`upload upload-${upload.state}`}>
      <div className="upload-heading">
        <span className="upload-name">{upload.name}</span>
        <span className="muted" aria-live="polite">
          {upload.state === 'waiting' ? 'Waiting' : null}
          {upload.state === 'uploading' ? `${formatBytes(sent)} of ${formatBytes(total)}` : null}
          {upload.state === 'uploaded' ? 'Uploaded' : null}
          {upload.state === 'refused' ? 'Refused' : null}
        </span>
      </div>
      <progress
        aria-label={`Upload of ${upload.name}`}
        max={Math.max(total, 1)}
        value={Math.min(sent, total)}
      />
      <ErrorNotice error={upload.error} />
    </li>
  );
}
