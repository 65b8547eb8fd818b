import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { TextField } from '../../components/fields.tsx';
import { Page, When } from '../../components/page.tsx';
import { Link, navigate } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { JsonEditor, useJsonObjectSubmit } from './json-editor.tsx';
import './contexts.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { LoadedItems } from '../../components/loaded-items.tsx';

/** The shared contexts an agent owns or was given, and a form to create one. */
export default function AgentContextsPage({ params }: PageProps) {
  const agentId = params.id as string;
  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  const contexts = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/agents/{id}/contexts', { params: { path: { id: agentId }, query: { limit: 200 } } }),
      ),
    [agentId],
  );
  useLiveEvents(['context-updated', 'context-deleted', 'context-shared', 'context-unshared'], (event) => {
    if (event.data.agent_id === agentId || event.data.shared_with_agent_id === agentId)
      void contexts.reload();
  });

  const [name, setName] = useState('');
  const [text, setText] = useState('{\n  \n}');
  const create = useAction(async (data: Record<string, unknown>) => {
    const created = await unwrap(
      api.POST('/api/v1/agents/{id}/contexts', { params: { path: { id: agentId } }, body: { name, data } }),
    );
    navigate(`/contexts/${created.id}`);
  });
  const { parseError, onSubmit } = useJsonObjectSubmit(text, create.run);

  return (
    <Page
      title={`Shared contexts of ${agent.data?.name || 'the agent'}`}
      actions={<Link to={`/agents/${agentId}`}>← Back to the agent</Link>}
    >
      <ErrorNotice error={agent.error} />
      <ErrorNotice error={contexts.error} />
      <LoadedItems loaded={contexts} loading="Loading contexts" empty="This agent has no shared context yet.">
        {(page) => (
          <div className="table-scroll card">
            <table>
              <ColumnHeads columns={['Name', 'Access', 'Version', 'Updated']} />
              <tbody>
                {page.items.map((context) => (
                  <tr key={context.id}>
                    <td>
                      <Link to={`/contexts/${context.id}`}>{context.name}</Link>
                    </td>
                    <td>
                      <span className="badge">{context.access}</span>
                    </td>
                    <td>{context.current_version}</td>
                    <td>
                      <When at={context.updated_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadedItems>
      <section className="card" aria-labelledby="create-context-title">
        <h2 id="create-context-title">Create a context</h2>
        <form className="context-form" onSubmit={onSubmit}>
          <TextField
            label="Name"
            name="name"
            error={create.error}
            value={name}
            required
            onChange={(event) => setName(event.target.value)}
          />
          <JsonEditor
            label="Document (JSON)"
            value={text}
            onChange={setText}
            parseError={parseError}
            error={create.error}
          />
          <ErrorNotice error={create.error} />
          <div>
            <button type="submit" className="primary" disabled={create.pending}>
              Create context
            </button>
          </div>
        </form>
      </section>
    </Page>
  );
}
