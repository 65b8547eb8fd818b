import { useEffect, useRef } from 'react';
import { RowButton } from '../../components/row-button.tsx';
import type { AgentFile } from './agent-files.tsx';
import { formatBytes } from './format.ts';
import { ProcessingState, type ProcessingUpdate } from './processing-status.tsx';

/**
 * The agent's files in reading order, each movable up or down with buttons (keyboard-usable,
 * unlike dragging) and detachable. After a move the focus follows the moved file.
 */
export function AttachedFileList({
  files,
  updates,
  busy,
  onReorder,
  onDetach,
}: {
  files: AgentFile[];
  updates: ReadonlyMap<string, ProcessingUpdate>;
  busy: boolean;
  /** Resolves true once the API has the new order. */
  onReorder: (ordered: AgentFile[]) => Promise<boolean>;
  onDetach: (file: AgentFile) => void;
}) {
  const moved = useRef<{ fileId: string; direction: 'up' | 'down'; index: number } | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const target = moved.current;
    // Until the list shows the new order (reloads started by events may land after the move's own).
    if (!target || busy || files[target.index]?.file_id !== target.fileId) return;
    const row = list.current?.querySelector(`[data-file-id="${target.fileId}"]`);
    const buttons = row?.querySelectorAll<HTMLButtonElement>('button.move');
    const wanted = target.direction === 'up' ? buttons?.[0] : buttons?.[1];
    // At the top or bottom its own button is disabled: the other one takes the focus.
    const focusable =
      wanted && !wanted.disabled ? wanted : [...(buttons ?? [])].find((button) => !button.disabled);
    focusable?.focus();
    moved.current = null;
  });

  const move = (index: number, direction: 'up' | 'down') => {
    const other = direction === 'up' ? index - 1 : index + 1;
    const ordered = [...files];
    const file = ordered[index] as AgentFile;
    ordered[index] = ordered[other] as AgentFile;
    ordered[other] = file;
    moved.current = { fileId: file.file_id, direction, index: other };
    void onReorder(ordered).then((done) => {
      if (!done) moved.current = null;
    });
  };

  return (
    <ol className="attached-files" ref={list} aria-label="Attached files">
      {files.map((file, index) => {
        const update = updates.get(file.file_id);
        return (
          <li
            key={file.file_id}
            className="attached-file"
            data-testid="attached-file"
            data-file-id={file.file_id}
          >
            <span className="attached-position" aria-hidden="true">
              {index + 1}
            </span>
            <span className="attached-name">{file.filename}</span>
            <span className="attached-meta">
              <span aria-live="polite">
                <ProcessingState
                  status={update?.status ?? file.processing_status}
                  error={update?.error ?? file.error}
                  progress={update?.progress}
                />
              </span>
              <span className="muted">{formatBytes(file.size_bytes)}</span>
              {file.chunk_count !== null ? (
                <span className="muted">
                  {file.chunk_count} {file.chunk_count === 1 ? 'chunk' : 'chunks'}
                </span>
              ) : null}
            </span>
            <span className="attached-actions">
              <button
                type="button"
                className="move"
                disabled={busy || index === 0}
                onClick={() => move(index, 'up')}
                aria-label={`Move ${file.filename} up`}
              >
                ↑ Up
              </button>
              <button
                type="button"
                className="move"
                disabled={busy || index === files.length - 1}
                onClick={() => move(index, 'down')}
                aria-label={`Move ${file.filename} down`}
              >
                ↓ Down
              </button>
              <RowButton
                verb="Detach"
                item={file.filename}
                danger
                disabled={busy}
                onClick={() => onDetach(file)}
              />
            </span>
          </li>
        );
      })}
    </ol>
  );
}
