import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Page, When } from '../../components/page.tsx';
import { RowButton } from '../../components/row-button.tsx';
import { McpServerForm } from './mcp-server-form.tsx';
import './tools.css';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { LoadedItems } from '../../components/loaded-items.tsx';

type McpServer = Schema<'McpServer'>;
type Panel = { mode: 'create' } | { mode: 'edit'; server: McpServer } | null;

const HEALTH_BADGE: Record<McpServer['health']['status'], string> = {
  pending: 'warn',
  checking: 'warn',
  connected: 'ok',
  error: 'bad',
};

/** The organization's MCP servers with their health (kept current by live events) and discovered tools. */
export default function McpServersPage() {
  const servers = useApi(
    () => withTotal(api.GET('/api/v1/mcp-servers', { params: { query: { limit: 200 } } })),
    [],
  );
  useLiveEvents(
    ['mcp-server-created', 'mcp-server-updated', 'mcp-server-deleted'],
    () => void servers.reload(),
  );
  const [panel, setPanel] = useState<Panel>(null);
  const refresh = useAction(async (server: McpServer) => {
    await unwrap(api.POST('/api/v1/mcp-servers/{id}/refresh', { params: { path: { id: server.id } } }));
    await servers.reload();
  });
  const remove = useAction(async (server: McpServer) => {
    await unwrap(api.DELETE('/api/v1/mcp-servers/{id}', { params: { path: { id: server.id } } }));
    await servers.reload();
  });
  const saved = () => {
    setPanel(null);
    void servers.reload();
  };

  return (
    <Page
      title="MCP servers"
      actions={
        <button type="button" className="primary" onClick={() => setPanel({ mode: 'create' })}>
          New MCP server
        </button>
      }
    >
      {panel ? (
        <section className="card" aria-labelledby="server-panel-title">
          <h2 id="server-panel-title">
            {panel.mode === 'edit' ? `Edit ${panel.server.name}` : 'New MCP server'}
          </h2>
          <McpServerForm
            key={panel.mode === 'edit' ? panel.server.id : 'new'}
            server={panel.mode === 'edit' ? panel.server : undefined}
            onSaved={saved}
            onCancel={() => setPanel(null)}
          />
        </section>
      ) : null}
      <ErrorNotice error={servers.error} />
      <ErrorNotice error={refresh.error} />
      <ErrorNotice error={remove.error} />
      <LoadedItems loaded={servers} loading="Loading MCP servers" empty="No MCP server registered yet.">
        {(page) => (
          <div className="table-scroll card">
            <table data-testid="mcp-server-list">
              <ColumnHeads columns={['Name', 'Reached at', 'Health', 'Tools', 'Actions']} />
              <tbody>
                {page.items.map((server) => (
                  <tr key={server.id} data-testid={`mcp-server-${server.name}`}>
                    <td className="resource-cell">
                      <strong>{server.name}</strong>
                      {server.description ? <div className="muted">{server.description}</div> : null}
                      {server.server_info ? (
                        <div className="muted">
                          {server.server_info.name} {server.server_info.version}
                        </div>
                      ) : null}
                    </td>
                    <td className="resource-cell">
                      <code>
                        {server.transport === 'stdio'
                          ? `${server.command} ${server.args.join(' ')}`
                          : server.endpoint}
                      </code>
                      <div className="muted">Authentication: {server.authentication.type}</div>
                    </td>
                    <td aria-live="polite">
                      <span
                        className={`badge ${HEALTH_BADGE[server.health.status]}`}
                        data-testid="mcp-health"
                      >
                        {server.enabled ? server.health.status : 'disabled'}
                      </span>
                      {server.health.error ? <div className="field-error">{server.health.error}</div> : null}
                      <div className="muted">
                        Checked <When at={server.health.checked_at} />
                      </div>
                    </td>
                    <td className="resource-cell">
                      {server.tools.length === 0 ? (
                        <span className="muted">none yet</span>
                      ) : (
                        <ul className="tool-list-inline" aria-label={`Tools of ${server.name}`}>
                          {server.tools.map((tool) => (
                            <li key={tool.id} title={tool.description}>
                              <code>{tool.name}</code>
                              {tool.enabled ? '' : ' (disabled)'}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        <RowButton
                          verb="Refresh"
                          item={server.name}
                          disabled={refresh.pending}
                          onClick={() => void refresh.run(server)}
                        />
                        <RowButton
                          verb="Edit"
                          item={server.name}
                          onClick={() => setPanel({ mode: 'edit', server })}
                        />
                        <RowButton
                          verb="Delete"
                          item={server.name}
                          danger
                          disabled={remove.pending}
                          onClick={() => void remove.run(server)}
                        />
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
