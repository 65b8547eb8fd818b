import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField, TextArea, TextField } from '../../components/fields.tsx';

type Scope = 'agent' | 'user' | 'thread';

/** Adds a memory by hand; the API says whether it was new or reinforced an existing one. */
export function AddMemoryForm({ agentId, onAdded }: { agentId: string; onAdded: () => void }) {
  const [content, setContent] = useState('');
  const [kind, setKind] = useState('fact');
  const [scope, setScope] = useState<Scope>('agent');
  const [userId, setUserId] = useState('');
  const [sessionId, setSessionId] = useState('');
  const [outcome, setOutcome] = useState('');
  const add = useAction(async () => {
    const stored = await unwrap(
      api.POST('/api/v1/agents/{id}/memories', {
        params: { path: { id: agentId } },
        body: {
          content,
          kind,
          scope,
          user_id: userId || undefined,
          session_id: sessionId || undefined,
        },
      }),
    );
    setOutcome(stored.reinforced ? 'Already remembered: reinforced.' : 'Memory added.');
    setContent('');
    onAdded();
  });
  return (
    <section className="card" aria-labelledby="add-memory-title">
      <h2 id="add-memory-title">Add a memory</h2>
      <form
        className="memory-form"
        onSubmit={(event) => {
          event.preventDefault();
          void add.run();
        }}
      >
        <TextArea
          label="Statement"
          name="content"
          error={add.error}
          value={content}
          rows={2}
          required
          onChange={(event) => setContent(event.target.value)}
        />
        <div className="grid-2">
          <TextField
            label="Kind"
            name="kind"
            error={add.error}
            value={kind}
            hint="fact, preference, summary, … (your own words)"
            onChange={(event) => setKind(event.target.value)}
          />
          <SelectField
            label="Scope"
            name="scope"
            error={add.error}
            value={scope}
            options={[
              { value: 'agent', label: 'Agent (every conversation)' },
              { value: 'user', label: 'End user' },
              { value: 'thread', label: 'Session' },
            ]}
            onChange={(event) => setScope(event.target.value as Scope)}
          />
          {scope === 'user' ? (
            <TextField
              label="End user id"
              name="user_id"
              error={add.error}
              value={userId}
              onChange={(event) => setUserId(event.target.value)}
            />
          ) : null}
          {scope === 'thread' ? (
            <TextField
              label="Session id"
              name="session_id"
              error={add.error}
              value={sessionId}
              onChange={(event) => setSessionId(event.target.value)}
            />
          ) : null}
        </div>
        <ErrorNotice error={add.error} />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={add.pending}>
            Add memory
          </button>
          <span aria-live="polite" className="muted">
            {outcome}
          </span>
        </div>
      </form>
    </section>
  );
}

/** Deletes every memory the agent holds about one end user, after the person confirms. */
export function ForgetUserForm({ agentId, onForgotten }: { agentId: string; onForgotten: () => void }) {
  const [userId, setUserId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState('');
  const forget = useAction(async () => {
    const answer = await unwrap(
      api.DELETE('/api/v1/agents/{id}/memories', {
        params: { path: { id: agentId }, query: { user_id: userId } },
      }),
    );
    setOutcome(`Forgot ${answer.user_id}: ${answer.deleted} memories deleted.`);
    setConfirming(false);
    onForgotten();
  });
  return (
    <section className="card" aria-labelledby="forget-user-title">
      <h2 id="forget-user-title">Forget an end user</h2>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setOutcome('');
          setConfirming(true);
        }}
      >
        <TextField
          label="End user id"
          name="user_id"
          error={forget.error}
          value={userId}
          required
          onChange={(event) => {
            setUserId(event.target.value);
            setConfirming(false);
          }}
        />
        <button type="submit" className="danger">
          Forget user…
        </button>
      </form>
      {confirming ? (
        <div className="confirm" aria-live="assertive">
          <p id="forget-confirm-text">
            Delete every memory this agent holds about <strong>{userId}</strong>? This cannot be undone.
          </p>
          <div className="toolbar">
            <button
              type="button"
              className="danger"
              disabled={forget.pending}
              onClick={() => void forget.run()}
            >
              Yes, forget {userId}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ErrorNotice error={forget.error} />
      <p aria-live="polite" className="muted">
        {outcome}
      </p>
    </section>
  );
}
