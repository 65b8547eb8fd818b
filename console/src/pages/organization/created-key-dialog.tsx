import { useEffect, useRef, useState } from 'react';

/**
 * The one time a key is shown: a modal with the key, a copy button and a warning. Closing it (the
 * button or Escape) calls `onClose`, whose caller drops the key, so it leaves the page for good.
 */
export function CreatedKeyDialog({
  name,
  apiKey,
  onClose,
}: {
  name: string;
  apiKey: string;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closed = useRef(onClose);
  closed.current = onClose;
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.showModal();
    const close = () => closed.current();
    element.addEventListener('close', close);
    return () => element.removeEventListener('close', close);
  }, []);
  const copy = () =>
    navigator.clipboard.writeText(apiKey).then(
      () => setCopied('copied'),
      () => setCopied('failed'),
    );
  return (
    <dialog ref={dialog} className="created-key-dialog" aria-labelledby="created-key-title">
      <h2 id="created-key-title">API key “{name}” created</h2>
      <p className="key-warning" role="note">
        Copy the key now: it is shown only this once. Agentry keeps only its hash and cannot show it again.
      </p>
      <code className="created-key" data-testid="created-key">
        {apiKey}
      </code>
      <p aria-live="polite" className="muted">
        {copied === 'copied'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'The browser refused the clipboard: select the key and copy it.'
            : ''}
      </p>
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy key
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          I have copied it, close
        </button>
      </div>
    </dialog>
  );
}
