import type { Schema } from '@agentry/client';
import { useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useLiveEvents } from '../../api/live-events.ts';
import { useAction, useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { Empty, Loading, Page } from '../../components/page.tsx';
import { Link } from '../../router.tsx';
import type { PageProps } from '../../routes.tsx';
import { AttachFileForm } from './attach-file-form.tsx';
import { AttachedFileList } from './attached-file-list.tsx';
import { type ProcessingUpdate, processingUpdates } from './processing-status.tsx';
import './knowledge.css';

export type AgentFile = Schema<'AgentFile'>;

/** The largest page the API gives; an agent reads at most AGENT_FILE_LIMIT (20 by default) files. */
const ALL = 200;

/** The files an agent reads, in reading order: attach, move up or down, detach. */
export default function AgentFilesPage({ params }: PageProps) {
  const agentId = params.id as string;
  const agent = useApi(
    () => unwrap(api.GET('/api/v1/agents/{id}', { params: { path: { id: agentId } } })),
    [agentId],
  );
  const attached = useApi(
    () =>
      unwrap(
        api.GET('/api/v1/agents/{id}/files', {
          params: { path: { id: agentId }, query: { limit: ALL } },
        }),
      ),
    [agentId],
  );
  const [updates, setUpdates] = useState<ReadonlyMap<string, ProcessingUpdate>>(new Map());

  useLiveEvents(
    ['agent-file-attached', 'agent-file-detached', 'agent-file-updated', 'file-processing-updated'],
    (event) => {
      if (event.type !== 'file-processing-updated') {
        if (event.data.agent_id === agentId) void attached.reload();
        return;
      }
      // Kept for every file, not only those listed: a file just attached may finish its extraction
      // before the list that includes it has loaded.
      const changed = processingUpdates(event);
      setUpdates((previous) => new Map([...previous, ...changed]));
      if ([...changed.values()].some((update) => update.status !== 'processing')) void attached.reload();
    },
  );

  // Reordering PATCHes several files; the list is reloaded once they are all done.
  const reorder = useAction(async (ordered: AgentFile[]) => {
    for (const [position, file] of ordered.entries()) {
      if (file.order_index === position) continue;
      await unwrap(
        api.PATCH('/api/v1/agents/{id}/files/{file_id}', {
          params: { path: { id: agentId, file_id: file.file_id } },
          body: { order_index: position },
        }),
      );
    }
    await attached.reload();
    return true;
  });
  const detach = useAction(async (file: AgentFile) => {
    await unwrap(
      api.DELETE('/api/v1/agents/{id}/files/{file_id}', {
        params: { path: { id: agentId, file_id: file.file_id } },
      }),
    );
    await attached.reload();
  });

  const name = agent.data?.name;
  const files = attached.data ?? [];
  return (
    <Page
      title={name ? `Files of ${name}` : 'Agent files'}
      actions={<Link to={`/agents/${encodeURIComponent(agentId)}`}>Back to the agent</Link>}
    >
      {agent.error ? (
        <ErrorNotice error={agent.error} />
      ) : (
        <div className="knowledge">
          <AttachFileForm
            agentId={agentId}
            attachedIds={new Set(files.map((file) => file.file_id))}
            onAttached={() => void attached.reload()}
          />
          <section className="card" aria-labelledby="reading-order-heading">
            <h2 id="reading-order-heading">Reading order</h2>
            <p className="muted">The agent reads its files in this order, first to last.</p>
            <ErrorNotice error={attached.error ?? reorder.error ?? detach.error} />
            {attached.loading && !attached.data ? <Loading what="Loading the agent's files" /> : null}
            {attached.data && files.length === 0 ? <Empty>No file attached yet.</Empty> : null}
            {files.length > 0 ? (
              <AttachedFileList
                files={files}
                updates={updates}
                busy={reorder.pending || detach.pending}
                onReorder={async (ordered) => (await reorder.run(ordered)) === true}
                onDetach={(file) => void detach.run(file)}
              />
            ) : null}
          </section>
        </div>
      )}
    </Page>
  );
}
