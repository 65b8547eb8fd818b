import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import type { Message } from './message-row.tsx';

/** Thumbs up or down on an answer, with an optional comment (POST /messages/{id}/feedback). */
export function FeedbackControls({
  message,
  onChanged,
}: {
  message: Message;
  onChanged: (message: Message) => void;
}) {
  const [commenting, setCommenting] = useState(false);
  const [reason, setReason] = useState(message.feedback_reason ?? '');
  const rate = useAction(async (score: number, comment: string | null) => {
    const rated = await unwrap(
      api.POST('/api/v1/messages/{id}/feedback', {
        params: { path: { id: message.id } },
        body: { score, reason: comment || null },
      }),
    );
    onChanged(rated);
    return rated;
  });
  const score = message.feedback_score;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await rate.run(score ?? 1, reason.trim())) setCommenting(false);
  };
  return (
    <div className="chat-feedback">
      <button
        type="button"
        aria-pressed={score === 1}
        title="Good answer"
        disabled={rate.pending}
        onClick={() => void rate.run(1, message.feedback_reason)}
      >
        <span aria-hidden="true">▲ </span>Good answer
      </button>
      <button
        type="button"
        aria-pressed={score === -1}
        title="Bad answer"
        disabled={rate.pending}
        onClick={() => void rate.run(-1, message.feedback_reason)}
      >
        <span aria-hidden="true">▼ </span>Bad answer
      </button>
      <button type="button" aria-expanded={commenting} onClick={() => setCommenting(!commenting)}>
        Comment
      </button>
      {message.feedback_reason && !commenting ? (
        <span className="muted">“{message.feedback_reason}”</span>
      ) : null}
      {commenting ? (
        <form className="chat-feedback-form" onSubmit={submit}>
          <label>
            Comment on this answer
            <input
              name="reason"
              value={reason}
              maxLength={2000}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={rate.pending}>
            Save feedback
          </button>
        </form>
      ) : null}
      <ErrorNotice error={rate.error} />
    </div>
  );
}
