import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useAction } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextArea, TextField } from '../../components/fields.tsx';
import { FormActions } from '../../components/form-actions.tsx';
import { When } from '../../components/page.tsx';

type Memory = Schema<'Memory'>;

/** Where a memory lives: the agent's own, an end user's, or one session's. */
export function MemoryScope({
  memory,
}: {
  memory: Pick<Memory, 'scope' | 'user_id' | 'session_id' | 'namespace'>;
}) {
  const detail =
    memory.scope === 'user' ? memory.user_id : memory.scope === 'thread' ? memory.session_id : null;
  return (
    <span title={memory.namespace}>
      <span className="badge">{memory.scope}</span>
      {detail ? <span className="memory-scope-detail"> {detail}</span> : null}
    </span>
  );
}

/** One memory of the list, with its edit and delete actions. */
export function MemoryRow({ memory, onChanged }: { memory: Memory; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [content, setContent] = useState(memory.content);
  const [kind, setKind] = useState(memory.kind);
  const save = useAction(async () => {
    await unwrap(
      api.PATCH('/api/v1/memories/{id}', { params: { path: { id: memory.id } }, body: { content, kind } }),
    );
    setEditing(false);
    onChanged();
  });
  const remove = useAction(async () => {
    await unwrap(api.DELETE('/api/v1/memories/{id}', { params: { path: { id: memory.id } } }));
    onChanged();
  });

  if (editing) {
    return (
      <tr>
        <td colSpan={6}>
          <form
            className="memory-edit"
            onSubmit={(event) => {
              event.preventDefault();
              void save.run();
            }}
          >
            <TextArea
              label="Content"
              name="content"
              error={save.error}
              value={content}
              rows={2}
              onChange={(event) => setContent(event.target.value)}
            />
            <TextField
              label="Kind"
              name="kind"
              error={save.error}
              value={kind}
              onChange={(event) => setKind(event.target.value)}
            />
            <ErrorNotice error={save.error} />
            <FormActions
              submitLabel="Save memory"
              pending={save.pending}
              onCancel={() => setEditing(false)}
            />
          </form>
        </td>
      </tr>
    );
  }
  return (
    <tr>
      <td>
        <MemoryScope memory={memory} />
      </td>
      <td>{memory.kind}</td>
      <td className="memory-content">{memory.content}</td>
      <td>{memory.reinforcement}</td>
      <td>
        <When at={memory.last_accessed_at} />
      </td>
      <td>
        <div className="row-actions">
          <button
            type="button"
            onClick={() => setEditing(true)}
            aria-label={`Edit memory: ${memory.content}`}
          >
            Edit
          </button>
          <button
            type="button"
            className="danger"
            disabled={remove.pending}
            onClick={() => void remove.run()}
            aria-label={`Delete memory: ${memory.content}`}
          >
            Delete
          </button>
        </div>
        <ErrorNotice error={remove.error} />
      </td>
    </tr>
  );
}
