import { type FormEvent, type KeyboardEvent, useId, useState } from 'react';

/** The message box: Enter sends, Shift+Enter starts a new line; Stop closes the stream. */
export function Composer({
  streaming,
  disabled,
  onSend,
  onStop,
}: {
  streaming: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const send = () => {
    const message = text.trim();
    if (!message || streaming || disabled) return;
    onSend(message);
    setText('');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };
  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  return (
    <form className="chat-composer" onSubmit={submit}>
      <label htmlFor={id} className="chat-composer-label">
        Message
      </label>
      <textarea
        id={id}
        name="message"
        value={text}
        rows={2}
        placeholder="Write a message (Enter sends, Shift+Enter for a new line)"
        aria-describedby={`${id}-hint`}
        disabled={disabled}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={keyDown}
      />
      <small id={`${id}-hint`} className="muted chat-composer-hint">
        Enter sends · Shift+Enter adds a line
      </small>
      <div className="chat-composer-actions">
        {streaming ? (
          <button type="button" className="danger" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary" disabled={disabled || text.trim() === ''}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
