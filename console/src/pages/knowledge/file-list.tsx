import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { When } from '../../components/page.tsx';
import { RowButton } from '../../components/row-button.tsx';
import { downloadFile } from './file-download.ts';
import { formatBytes } from './format.ts';
import { ProcessingState, type ProcessingUpdate } from './processing-status.tsx';
import type { FileView } from './upload-with-progress.ts';

/**
 * The organization's files with their extraction state (live updates in `updates` win over the
 * loaded row, being newer), and per file: download, and delete after a confirmation.
 */
export function FileList({
  files,
  updates,
  onDeleted,
}: {
  files: FileView[];
  updates: ReadonlyMap<string, ProcessingUpdate>;
  onDeleted: () => void;
}) {
  return (
    <div className="table-scroll">
      <table className="file-table" aria-label="Files">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Size</th>
            <th scope="col">Type</th>
            <th scope="col">Agents</th>
            <th scope="col">Uploaded</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {files.map((file) => (
            <FileRow key={file.id} file={file} update={updates.get(file.id)} onDeleted={onDeleted} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FileRow({
  file,
  update,
  onDeleted,
}: {
  file: FileView;
  update: ProcessingUpdate | undefined;
  onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const download = useAction(() => downloadFile(file.id, file.filename));
  const remove = useAction(async (force: boolean) => {
    await unwrap(
      api.DELETE('/api/v1/files/{id}', {
        params: { path: { id: file.id }, query: force ? { force: 'true' } : {} },
      }),
    );
    onDeleted();
  });
  const attachedElsewhere = remove.error?.code === 'file_attached';
  return (
    <tr data-testid="file-row" data-file-id={file.id}>
      <th scope="row" className="file-name">
        {file.filename}
        {file.findings.length > 0 ? (
          <span className="badge warn" title={file.findings.map((finding) => finding.code).join(', ')}>
            {file.findings.length} finding{file.findings.length === 1 ? '' : 's'}
          </span>
        ) : null}
      </th>
      <td aria-live="polite">
        <ProcessingState
          status={update?.status ?? file.processing_status}
          error={update?.error ?? file.error}
          progress={update?.progress}
        />
      </td>
      <td>{formatBytes(file.size_bytes)}</td>
      <td>
        <code>{file.mime_type}</code>
      </td>
      <td>{file.attached_agents}</td>
      <td>
        <When at={file.created_at} />
      </td>
      <td>
        <div className="file-actions">
          <RowButton
            verb="Download"
            item={file.filename}
            disabled={download.pending}
            onClick={() => void download.run()}
          />
          {confirming ? (
            <fieldset className="confirm">
              <legend>Delete {file.filename}?</legend>
              <button
                type="button"
                className="danger"
                disabled={remove.pending}
                onClick={() => void remove.run(false)}
              >
                Delete
              </button>
              {attachedElsewhere ? (
                <button
                  type="button"
                  className="danger"
                  disabled={remove.pending}
                  onClick={() => void remove.run(true)}
                >
                  Detach from its agents and delete
                </button>
              ) : null}
              <button
                type="button"
                onClick={() => {
                  setConfirming(false);
                  remove.clearError();
                }}
              >
                Cancel
              </button>
            </fieldset>
          ) : (
            <RowButton verb="Delete" item={file.filename} danger onClick={() => setConfirming(true)} />
          )}
        </div>
        <ErrorNotice error={remove.error ?? download.error} />
      </td>
    </tr>
  );
}
