import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Link } from '../../router.tsx';

/** Attaches one of the organization's files (the API's largest page of them) to the agent. */
export function AttachFileForm({
  agentId,
  attachedIds,
  onAttached,
}: {
  agentId: string;
  attachedIds: ReadonlySet<string>;
  onAttached: () => void;
}) {
  const files = useApi(() => unwrap(api.GET('/api/v1/files', { params: { query: { limit: 200 } } })), []);
  useLiveEvents(['file-uploaded', 'file-deleted'], () => void files.reload());
  const [chosen, setChosen] = useState('');
  const attach = useAction(async (fileId: string) => {
    await unwrap(
      api.POST('/api/v1/agents/{id}/files', {
        params: { path: { id: agentId } },
        body: { file_id: fileId },
      }),
    );
    setChosen('');
    onAttached();
  });
  const available = (files.data ?? []).filter((file) => !attachedIds.has(file.id));
  const selected = available.some((file) => file.id === chosen) ? chosen : '';
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (selected) void attach.run(selected);
  };
  return (
    <form className="card attach-form" aria-label="Attach a file" onSubmit={onSubmit}>
      <h2>Attach a file</h2>
      <ErrorNotice error={files.error ?? attach.error} />
      {files.data && available.length === 0 ? (
        <p className="muted">
          Every file of the organization is attached. <Link to="/files">Upload more</Link>.
        </p>
      ) : (
        <div className="attach-row">
          <SelectField
            label="File"
            name="file_id"
            error={attach.error}
            value={selected}
            onChange={(event) => setChosen(event.target.value)}
            options={[
              { value: '', label: files.loading && !files.data ? 'Loading…' : 'Choose a file' },
              ...available.map((file) => ({ value: file.id, label: file.filename })),
            ]}
          />
          <button type="submit" className="primary" disabled={!selected || attach.pending}>
            Attach
          </button>
        </div>
      )}
    </form>
  );
}
