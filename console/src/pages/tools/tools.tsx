import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Page } from '../../components/page.tsx';
import { RowButton } from '../../components/row-button.tsx';
import { replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { ToolForm } from './tool-form.tsx';
import { ToolTest } from './tool-test.tsx';
import './tools.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { LoadedItems } from '../../components/loaded-items.tsx';

type Tool = Schema<'Tool'>;
type Kind = 'http' | 'mcp' | 'builtin';
type Panel = { mode: 'create' } | { mode: 'edit' | 'test'; tool: Tool } | null;

/** The organization's tools: built-in, HTTP (created, changed, deleted here) and MCP; each can be tried. */
export default function ToolsPage({ query }: PageProps) {
  const kind = (query.get('kind') ?? '') as Kind | '';
  const tools = useApi(
    () => withTotal(api.GET('/api/v1/tools', { params: { query: { kind: kind || undefined, limit: 200 } } })),
    [kind],
  );
  useLiveEvents(['tool-created', 'tool-updated', 'tool-deleted'], () => void tools.reload());
  const [panel, setPanel] = useState<Panel>(null);
  const remove = useAction(async (tool: Tool) => {
    await unwrap(api.DELETE('/api/v1/tools/{id}', { params: { path: { id: tool.id } } }));
    setPanel(null);
    await tools.reload();
  });
  const saved = () => {
    setPanel(null);
    void tools.reload();
  };

  return (
    <Page
      title="Tools"
      actions={
        <button type="button" className="primary" onClick={() => setPanel({ mode: 'create' })}>
          New HTTP tool
        </button>
      }
    >
      {panel?.mode === 'create' ? (
        <section className="card" aria-labelledby="tool-panel-title">
          <h2 id="tool-panel-title">New HTTP tool</h2>
          <ToolForm onSaved={saved} onCancel={() => setPanel(null)} />
        </section>
      ) : null}
      {panel?.mode === 'edit' ? (
        <section className="card" aria-labelledby="tool-panel-title">
          <h2 id="tool-panel-title">Edit {panel.tool.name}</h2>
          <ToolForm key={panel.tool.id} tool={panel.tool} onSaved={saved} onCancel={() => setPanel(null)} />
        </section>
      ) : null}
      {panel?.mode === 'test' ? (
        <section className="card" aria-labelledby="tool-panel-title">
          <h2 id="tool-panel-title">Test {panel.tool.name}</h2>
          <ToolTest key={panel.tool.id} tool={panel.tool} />
          <button type="button" onClick={() => setPanel(null)}>
            Close
          </button>
        </section>
      ) : null}
      <div className="toolbar">
        <SelectField
          label="Kind"
          name="kind"
          value={kind}
          options={[
            { value: '', label: 'All' },
            { value: 'http', label: 'HTTP' },
            { value: 'mcp', label: 'MCP' },
            { value: 'builtin', label: 'Built-in' },
          ]}
          onChange={(event) => replaceQuery({ kind: event.target.value })}
        />
      </div>
      <ErrorNotice error={tools.error} />
      <ErrorNotice error={remove.error} />
      <LoadedItems loaded={tools} loading="Loading tools" empty="No tool of this kind.">
        {(page) => (
          <div className="table-scroll card">
            <table data-testid="tool-list">
              <ColumnHeads columns={['Name', 'Kind', 'Description', 'Request', 'Enabled', 'Actions']} />
              <tbody>
                {page.items.map((tool) => (
                  <tr key={tool.id}>
                    <td className="resource-cell">{tool.name}</td>
                    <td>
                      <span className="badge">{tool.kind}</span>
                    </td>
                    <td className="resource-cell">{tool.description}</td>
                    <td className="resource-cell">
                      {tool.http ? (
                        <>
                          <code>
                            {tool.http.method} {tool.http.url_template}
                          </code>
                          {tool.http.secret_header_names.length ? (
                            <div className="muted">
                              Secret headers set: {tool.http.secret_header_names.join(', ')}
                            </div>
                          ) : null}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <span className={`badge ${tool.enabled ? 'ok' : 'warn'}`}>
                        {tool.enabled ? 'enabled' : 'disabled'}
                      </span>
                    </td>
                    <td>
                      <div className="row-actions">
                        {tool.kind !== 'builtin' ? (
                          <RowButton
                            verb="Test"
                            item={tool.name}
                            onClick={() => setPanel({ mode: 'test', tool })}
                          />
                        ) : null}
                        {tool.kind === 'http' ? (
                          <>
                            <RowButton
                              verb="Edit"
                              item={tool.name}
                              onClick={() => setPanel({ mode: 'edit', tool })}
                            />
                            <RowButton
                              verb="Delete"
                              item={tool.name}
                              danger
                              disabled={remove.pending}
                              onClick={() => void remove.run(tool)}
                            />
                          </>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </LoadedItems>
    </Page>
  );
}
