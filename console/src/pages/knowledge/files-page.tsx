import { useState } from 'react';
import { api, unwrap, withTotal } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page } from '../../components/page.tsx';
import { replaceQuery } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { FileList } from './file-list.tsx';
import { type ProcessingUpdate, processingUpdates } from './processing-status.tsx';
import { UploadForm } from './upload-form.tsx';
import './knowledge.css';
import { OffsetPager } from '../../components/offset-pager.tsx';

const PAGE_SIZE = 50;

/** The organization's knowledge files: upload with progress, extraction state live, delete. */
export default function FilesPage({ query }: PageProps) {
  const search = query.get('search') ?? '';
  const offset = Math.max(0, Number(query.get('offset') ?? 0) || 0);
  const files = useApi(
    () =>
      withTotal(
        api.GET('/api/v1/files', {
          params: { query: { limit: PAGE_SIZE, offset, ...(search ? { search } : {}) } },
        }),
      ),
    [search, offset],
  );
  const settings = useApi(() => unwrap(api.GET('/api/v1/knowledge/settings')), []);
  // The newest extraction state of each file, from the shared events stream.
  const [updates, setUpdates] = useState<ReadonlyMap<string, ProcessingUpdate>>(new Map());

  useLiveEvents(['file-processing-updated', 'file-uploaded', 'file-deleted'], (event) => {
    if (event.type !== 'file-processing-updated') {
      void files.reload();
      return;
    }
    const changed = processingUpdates(event);
    setUpdates((previous) => new Map([...previous, ...changed]));
    // A finished extraction brings counts and errors the event does not carry.
    if ([...changed.values()].some((update) => update.status !== 'processing')) void files.reload();
  });

  const items = files.data?.items ?? [];
  const total = files.data?.total ?? 0;
  return (
    <Page title="Knowledge">
      <div className="knowledge">
        <UploadForm onUploaded={() => void files.reload()} />
        <section className="card" aria-labelledby="files-heading">
          <div className="files-header">
            <h2 id="files-heading">Files</h2>
            {settings.data ? (
              <p className="muted retrieval-mode">
                Retrieval: {settings.data.retrieval_mode}
                {settings.data.embedding_model ? ` (${settings.data.embedding_model})` : ''}
              </p>
            ) : null}
          </div>
          <ErrorNotice error={settings.error} />
          <div className="toolbar">
            <label className="files-search">
              <span>Search by name</span>
              <input
                type="search"
                defaultValue={search}
                onChange={(event) => replaceQuery({ search: event.target.value || undefined })}
              />
            </label>
          </div>
          <ErrorNotice error={files.error} />
          {files.loading && !files.data ? <Loading what="Loading files" /> : null}
          {files.data && items.length === 0 ? (
            <Empty>{search ? 'No file has this name.' : 'No files yet: upload one above.'}</Empty>
          ) : null}
          {items.length > 0 ? (
            <FileList files={items} updates={updates} onDeleted={() => void files.reload()} />
          ) : null}
          <OffsetPager
            label="Pages of files"
            offset={offset}
            pageSize={PAGE_SIZE}
            total={total}
            onOffset={(next) => replaceQuery({ search, offset: String(next) })}
          />
        </section>
      </div>
    </Page>
  );
}
