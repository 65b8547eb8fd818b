import { useEffect } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ColumnHeads } from '../../components/column-heads.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Loading, When } from '../../components/page.tsx';
import { Link } from '../../router.tsx';

/** A context's retained versions, newest first: read one, or roll back to it (a new version). */
export function ContextVersions({
  contextId,
  currentVersion,
  shownVersion,
  refresh,
  onRolledBack,
}: {
  contextId: string;
  currentVersion: number;
  shownVersion: number;
  /** Changes when the versions changed elsewhere on the page. */
  refresh: number;
  onRolledBack: () => void;
}) {
  const versions = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/contexts/{id}/versions', {
          params: { path: { id: contextId }, query: { limit: 100 } },
        }),
      ),
    [contextId],
  );
  const reloadVersions = versions.reload;
  useEffect(() => {
    if (refresh > 0) void reloadVersions();
  }, [refresh, reloadVersions]);
  const rollback = useAction(async (version: number) => {
    await unwrap(
      api.POST('/api/v1/contexts/{id}/rollback', {
        params: { path: { id: contextId }, header: { 'if-match': String(currentVersion) } },
        body: { version, change_description: `Rolled back to version ${version}` },
      }),
    );
    onRolledBack();
  });
  return (
    <section className="card" aria-labelledby="versions-title">
      <h2 id="versions-title">Versions</h2>
      <ErrorNotice error={versions.error} />
      <ErrorNotice error={rollback.error} />
      {versions.loading && !versions.data ? <Loading what="Loading versions" /> : null}
      {versions.data ? (
        <div className="table-scroll">
          <table data-testid="context-versions">
            <ColumnHeads columns={['Version', 'Change', 'Why', 'By', 'When', 'Actions']} />
            <tbody>
              {versions.data.items.map((version) => (
                <tr
                  key={version.version}
                  className={version.version === shownVersion ? 'version-current' : undefined}
                >
                  <td>{version.version}</td>
                  <td>
                    {version.change_type}
                    {version.restored_version ? ` of version ${version.restored_version}` : ''}
                  </td>
                  <td>{version.change_description ?? <span className="muted">—</span>}</td>
                  <td>
                    {version.created_by.agent_id
                      ? `agent ${version.created_by.agent_id}`
                      : version.created_by.api_key_id
                        ? 'an API key'
                        : 'a person'}
                  </td>
                  <td>
                    <When at={version.created_at} />
                  </td>
                  <td>
                    <div className="toolbar">
                      <Link to={`/contexts/${contextId}?version=${version.version}`}>
                        Read version {version.version}
                      </Link>
                      {version.version !== currentVersion ? (
                        <button
                          type="button"
                          disabled={rollback.pending}
                          onClick={() => void rollback.run(version.version)}
                        >
                          Roll back to version {version.version}
                        </button>
                      ) : (
                        <span className="badge ok">current</span>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
