import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextField } from '../../components/fields.tsx';
import { Loading, Page, When } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { ContextShares } from './context-shares.tsx';
import { ContextVersions } from './context-versions.tsx';
import { JsonEditor, useJsonObjectSubmit } from './json-editor.tsx';
import './contexts.css';
import { FormActions } from '../../components/form-actions.tsx';

/** One shared context: its document (current or `?version=`), edit, versions and rollback, shares. */
export default function ContextDetailPage({ params, query }: PageProps) {
  const contextId = params.id as string;
  const askedVersion = query.get('version');
  const context = useApi(
    () =>
      unwrap(
        api.GET('/api/v1/contexts/{id}', {
          params: { path: { id: contextId }, query: askedVersion ? { version: Number(askedVersion) } : {} },
        }),
      ),
    [contextId, askedVersion],
  );
  const [versionsChanged, setVersionsChanged] = useState(0);
  useLiveEvents(['context-updated', 'context-deleted'], (event) => {
    if (event.data.context_id !== contextId) return;
    void context.reload();
    setVersionsChanged((count) => count + 1);
  });

  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [description, setDescription] = useState('');
  const current = context.data;
  useEffect(() => {
    if (current && !editing) setText(JSON.stringify(current.data, null, 2));
  }, [current, editing]);

  const changed = () => {
    setVersionsChanged((count) => count + 1);
    if (askedVersion) navigate(`/contexts/${contextId}`);
    else void context.reload();
  };
  const write = useAction(async (data: Record<string, unknown>) => {
    await unwrap(
      api.PUT('/api/v1/contexts/{id}', {
        params: { path: { id: contextId }, header: { 'if-match': String(current?.current_version ?? '*') } },
        body: { data, change_description: description || undefined },
      }),
    );
    setEditing(false);
    setDescription('');
    changed();
  });
  const { parseError, onSubmit } = useJsonObjectSubmit(text, write.run);
  const remove = useAction(async () => {
    await unwrap(api.DELETE('/api/v1/contexts/{id}', { params: { path: { id: contextId } } }));
    navigate(current ? `/agents/${current.agent_id}/contexts` : '/');
  });

  if (!current) {
    return (
      <Page title="Shared context">
        <ErrorNotice error={context.error} />
        {context.loading ? <Loading what="Loading the context" /> : null}
      </Page>
    );
  }
  const isOld = current.version !== current.current_version;
  return (
    <Page
      title={`Context ${current.name}`}
      actions={<Link to={`/agents/${current.agent_id}/contexts`}>← The agent’s contexts</Link>}
    >
      <ErrorNotice error={context.error} />
      <section className="card" aria-labelledby="document-title">
        <h2 id="document-title">{isOld ? `Version ${current.version}` : 'Current document'}</h2>
        <p className="context-meta" aria-live="polite" data-testid="context-version">
          <span>
            Version {current.version} of {current.current_version}
          </span>
          <span className="muted">
            Updated <When at={current.updated_at} />
          </span>
          {isOld ? <Link to={`/contexts/${contextId}`}>Show the current version</Link> : null}
        </p>
        {editing ? (
          <form className="context-form" onSubmit={onSubmit}>
            <JsonEditor
              label="Document (JSON)"
              value={text}
              onChange={setText}
              parseError={parseError}
              error={write.error}
            />
            <TextField
              label="Why (recorded on the version)"
              name="change_description"
              error={write.error}
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
            <ErrorNotice error={write.error} />
            <FormActions
              submitLabel="Save as a new version"
              pending={write.pending}
              onCancel={() => setEditing(false)}
            />
          </form>
        ) : (
          <>
            {/* React escapes the text: a document's strings are shown, never interpreted. */}
            <pre className="json-document" data-testid="context-document">
              {JSON.stringify(current.data, null, 2)}
            </pre>
            <div className="toolbar">
              <button type="button" className="primary" disabled={isOld} onClick={() => setEditing(true)}>
                Edit
              </button>
              <button
                type="button"
                className="danger"
                disabled={remove.pending}
                onClick={() => void remove.run()}
              >
                Delete context
              </button>
            </div>
            <ErrorNotice error={remove.error} />
          </>
        )}
      </section>
      <ContextVersions
        contextId={contextId}
        currentVersion={current.current_version}
        shownVersion={current.version}
        refresh={versionsChanged}
        onRolledBack={changed}
      />
      <ContextShares contextId={contextId} ownerAgentId={current.agent_id} />
    </Page>
  );
}
