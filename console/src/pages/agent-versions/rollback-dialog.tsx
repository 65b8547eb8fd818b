import type { Schema } from '@agentry/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextArea } from '../../components/fields.tsx';

/**
 * Asks why, then rolls the agent back to `version` (the server appends a new version equal to it).
 * A native modal <dialog>: the rest of the page is inert while it is open and Escape closes it.
 */
export function RollbackDialog({
  agentId,
  version,
  currentVersion,
  onClose,
  onRolledBack,
}: {
  agentId: string;
  version: number;
  /** The version the person is looking at: a change made meanwhile answers 409 instead of being overwritten. */
  currentVersion: number;
  onClose: () => void;
  onRolledBack: (agent: Schema<'AgentWithWarnings'>) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const rollback = useAction(async () =>
    unwrap(
      api.POST('/api/v1/agents/{id}/configuration/rollback', {
        params: { path: { id: agentId } },
        body: {
          version,
          expected_version: currentVersion,
          ...(reason.trim() ? { change_reason: reason.trim() } : {}),
        },
      }),
    ),
  );
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    // Focused once shown (React's autoFocus would run before): the reason is typed first.
    element?.querySelector('textarea')?.focus();
    return () => element?.close();
  }, []);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const agent = await rollback.run();
    if (!agent) return;
    // Closed first, so the focus goes back to the button that opened it.
    dialog.current?.close();
    onRolledBack(agent);
  };
  return (
    <dialog ref={dialog} className="rollback-dialog" aria-labelledby="rollback-title" onClose={onClose}>
      <form onSubmit={onSubmit}>
        <h2 id="rollback-title">Roll back to version {version}</h2>
        <p>
          The agent gets a new version with the configuration of version {version}; no version is removed.
        </p>
        <TextArea
          label="Reason"
          name="change_reason"
          error={rollback.error}
          hint="Recorded in the new version and in the history."
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
        <ErrorNotice error={rollback.error} />
        <div className="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rollback.pending}>
            {rollback.pending ? 'Rolling back…' : `Roll back to version ${version}`}
          </button>
        </div>
      </form>
    </dialog>
  );
}
