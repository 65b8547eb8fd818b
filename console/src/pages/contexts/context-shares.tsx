import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField } from '../../components/fields.tsx';
import { Empty, When } from '../../components/page.tsx';

type Access = 'read' | 'read_write';

/** The agents a context is shared with, sharing it with another one, and taking a share back. */
export function ContextShares({ contextId, ownerAgentId }: { contextId: string; ownerAgentId: string }) {
  const shares = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/contexts/{id}/shares', {
          params: { path: { id: contextId }, query: { limit: 200 } },
        }),
      ),
    [contextId],
  );
  const agents = useApi(
    () => withTotal(api.GET('/api/v1/agents', { params: { query: { limit: 200 } } })),
    [],
  );
  const [agentId, setAgentId] = useState('');
  const [access, setAccess] = useState<Access>('read');
  const share = useAction(async () => {
    await unwrap(
      api.PUT('/api/v1/contexts/{id}/shares/{agent_id}', {
        params: { path: { id: contextId, agent_id: agentId } },
        body: { access },
      }),
    );
    await shares.reload();
  });
  const unshare = useAction(async (otherAgentId: string) => {
    await unwrap(
      api.DELETE('/api/v1/contexts/{id}/shares/{agent_id}', {
        params: { path: { id: contextId, agent_id: otherAgentId } },
      }),
    );
    await shares.reload();
  });

  const agentName = (id: string) => agents.data?.items.find((agent) => agent.id === id)?.name || id;
  const candidates = (agents.data?.items ?? []).filter((agent) => agent.id !== ownerAgentId);
  return (
    <section className="card" aria-labelledby="shares-title">
      <h2 id="shares-title">Shared with</h2>
      <ErrorNotice error={shares.error} />
      <ErrorNotice error={unshare.error} />
      {shares.data && shares.data.items.length === 0 ? (
        <Empty>Only its owner sees this context.</Empty>
      ) : null}
      {shares.data && shares.data.items.length > 0 ? (
        <div className="table-scroll">
          <table>
            <ColumnHeads columns={['Agent', 'Access', 'Since', 'Actions']} />
            <tbody>
              {shares.data.items.map((entry) => (
                <tr key={entry.agent_id}>
                  <td>{agentName(entry.agent_id)}</td>
                  <td>{entry.access === 'read' ? 'read' : 'read and write'}</td>
                  <td>
                    <When at={entry.created_at} />
                  </td>
                  <td>
                    <button type="button" className="danger" onClick={() => void unshare.run(entry.agent_id)}>
                      Unshare
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ErrorNotice error={agents.error} />
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void share.run();
        }}
      >
        <SelectField
          label="Agent"
          name="agent_id"
          error={share.error}
          value={agentId}
          required
          options={[
            { value: '', label: 'Choose an agent' },
            ...candidates.map((agent) => ({ value: agent.id, label: agent.name || agent.id })),
          ]}
          onChange={(event) => setAgentId(event.target.value)}
        />
        <SelectField
          label="Access"
          name="access"
          error={share.error}
          value={access}
          options={[
            { value: 'read', label: 'Read' },
            { value: 'read_write', label: 'Read and write' },
          ]}
          onChange={(event) => setAccess(event.target.value as Access)}
        />
        <button type="submit" disabled={share.pending || !agentId}>
          Share
        </button>
      </form>
      <ErrorNotice error={share.error} />
    </section>
  );
}
