import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Page, When } from '../../components/page.tsx';
import { Link, replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { useChangedBy } from './changed-by.ts';
import { Pager } from './pager.tsx';
import { RollbackDialog } from './rollback-dialog.tsx';
import { VersionDiff } from './version-diff.tsx';
import './versions.css';
import { LoadedItems } from '../../components/loaded-items.tsx';

const PAGE_SIZE = 20;

/** An agent's configuration versions, newest first: compare any two, roll back to one. */
export default function VersionListPage({ params, query }: PageProps) {
  const agentId = params.id as string;
  const offset = Number(query.get('offset') ?? 0) || 0;
  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  const versions = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/agents/{id}/configuration/versions', {
          params: { path: { id: agentId }, query: { limit: PAGE_SIZE, offset } },
        }),
      ),
    [agentId, offset],
  );
  const changedBy = useChangedBy();
  const [rollbackTo, setRollbackTo] = useState<number | null>(null);
  const [status, setStatus] = useState('');

  const latest = agent.data?.version;
  // Compared by default: the latest version against the one before it.
  const to = Number(query.get('to')) || latest || 0;
  const from = Number(query.get('from')) || (to > 1 ? to - 1 : 0);
  const select = (side: 'from' | 'to', version: number) =>
    replaceQuery({
      offset: offset ? String(offset) : undefined,
      from: String(side === 'from' ? version : from),
      to: String(side === 'to' ? version : to),
    });

  return (
    <Page
      title={agent.data ? `Versions of ${agent.data.name}` : 'Versions'}
      actions={
        <>
          <Link to={`/agents/${agentId}`} className="button">
            Back to the agent
          </Link>
          <Link to={`/agents/${agentId}/history`} className="button">
            Field history
          </Link>
        </>
      }
    >
      <ErrorNotice error={agent.error ?? versions.error} />
      <p role="status" className={status ? 'versions-notice' : 'versions-hidden'}>
        {status}
      </p>
      <LoadedItems loaded={versions} loading="Loading the versions" empty="No versions.">
        {(page) => (
          <div className="card">
            <div className="table-scroll">
              <table className="version-table">
                <caption className="versions-hidden">Configuration versions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Old</th>
                    <th scope="col">New</th>
                    <th scope="col">Version</th>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">Change</th>
                    <th scope="col">
                      <span className="versions-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((version) => (
                    <tr key={version.version} data-version={version.version}>
                      <td>
                        <input
                          type="radio"
                          name="compare-from"
                          aria-label={`Compare from version ${version.version}`}
                          checked={from === version.version}
                          onChange={() => select('from', version.version)}
                        />
                      </td>
                      <td>
                        <input
                          type="radio"
                          name="compare-to"
                          aria-label={`Compare to version ${version.version}`}
                          checked={to === version.version}
                          onChange={() => select('to', version.version)}
                        />
                      </td>
                      <th scope="row">
                        {version.version}
                        {version.version === latest ? <span className="badge ok">current</span> : null}
                      </th>
                      <td>
                        <When at={version.created_at} />
                      </td>
                      <td>{changedBy(version.created_by_user_id, version.created_by_api_key_id)}</td>
                      <td>
                        <span className="badge">{version.change_type}</span>{' '}
                        {version.change_reason ?? <span className="muted">no reason given</span>}
                      </td>
                      <td>
                        {version.version === latest ? null : (
                          <button type="button" onClick={() => setRollbackTo(version.version)}>
                            Roll back to this version
                            <span className="versions-hidden"> ({version.version})</span>
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              offset={offset}
              pageSize={PAGE_SIZE}
              total={page.total}
              shown={page.items.length}
              onOffset={(next) => replaceQuery({ offset: next ? String(next) : undefined })}
            />
          </div>
        )}
      </LoadedItems>
      {from > 0 && to > 0 && from !== to ? (
        <VersionDiff agentId={agentId} from={from} to={to} />
      ) : versions.data && versions.data.total > 1 ? (
        <Empty>Pick two different versions to compare.</Empty>
      ) : null}
      {rollbackTo !== null && latest !== undefined ? (
        <RollbackDialog
          agentId={agentId}
          version={rollbackTo}
          currentVersion={latest}
          onClose={() => setRollbackTo(null)}
          onRolledBack={(updated) => {
            setRollbackTo(null);
            setStatus(
              updated.version === latest
                ? `The configuration already equals version ${rollbackTo}: no version was added.`
                : `Rolled back to version ${rollbackTo}: version ${updated.version} is now current.`,
            );
            // The new version is listed first; the comparison shows what the rollback changed.
            replaceQuery({});
            void agent.reload();
            void versions.reload();
          }}
        />
      ) : null}
    </Page>
  );
}
