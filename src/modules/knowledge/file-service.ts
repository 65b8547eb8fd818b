import type { Readable } from 'node:stream';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Database } from '../../platform/db/database.ts';
import { isForeignKeyViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import type { ChangeContext } from '../agents/index.ts';
import { type Principal, projectFor } from '../tenancy/index.ts';
import type { AgentFileService } from './agent-file-service.ts';
import * as repository from './file-repository.ts';
import type { FileView } from './file-schemas.ts';
import { toFileView } from './file-views.ts';
import { discardUpload, type ReceivedUpload } from './upload-intake.ts';
import { screenUpload } from './upload-screening.ts';

export const FILE_UPLOADED = 'file-uploaded';
export const FILE_DELETED = 'file-deleted';

/** A download: the stored bytes with the type and name they are served under. */
export interface FileDownload {
  filename: string;
  mimeType: string;
  size: number;
  body: Readable;
}

/**
 * The organization's uploads (seed 000 `/files`): screened, stored once per content in the blob
 * store (deduplicated by SHA-256), listed, downloaded and deleted. A file row exists only once its
 * blob is stored whole, so a file is never visible half-written.
 */
export function createFileService({
  db,
  blobs,
  events,
  agentFiles,
  isReadableAgent,
  suspiciousContent,
  onBlobRemovalError,
}: {
  db: Database;
  blobs: BlobStore;
  events: Pick<EventPublisher, 'publish'>;
  agentFiles: Pick<AgentFileService, 'detach'>;
  /** The agents module's read of an agent: a deleted one is a NotFoundError. */
  isReadableAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  suspiciousContent: 'flag' | 'reject';
  onBlobRemovalError(error: unknown, storageKey: string): void;
}) {
  async function requireFile(principal: Principal, fileId: string) {
    return requireInScope(await repository.findFile(db, principal, fileId), 'File', () =>
      repository.findFileOrganization(db, fileId),
    );
  }

  /** The agents a file is attached to, live ones apart from deleted ones. */
  async function agentsReading(principal: Principal, fileId: string) {
    const agentIds = await repository.attachedAgents(db, principal, fileId);
    const deleted: string[] = [];
    for (const agentId of agentIds) {
      try {
        await isReadableAgent(principal, agentId);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        deleted.push(agentId);
      }
    }
    return { live: agentIds.filter((agentId) => !deleted.includes(agentId)), deleted };
  }

  return {
    /**
     * Stores an upload the route has received whole into a temporary file; the temporary file is
     * always discarded. `project`: the project_id the form names (see `projectFor`).
     */
    async create(
      principal: Principal,
      upload: ReceivedUpload & { declaredName: string; purpose: string; project?: string | undefined },
    ): Promise<FileView> {
      try {
        const projectId = await projectFor(db, principal, upload.project);
        const screened = await screenUpload(upload.path, upload.declaredName, {
          suspicious: suspiciousContent,
        });
        const storageKey = `${principal.organizationId}/${upload.sha256}`;
        const known = await repository.findContentBySha256(db, principal, upload.sha256);
        if (!known || !(await blobs.exists(storageKey))) {
          await blobs.putFile(storageKey, upload.path, { contentType: screened.mimeType, size: upload.size });
        }
        const stored = await db.transaction(async (tx) => {
          const content = await repository.upsertContent(tx, {
            id: uuidv7(),
            organizationId: principal.organizationId,
            sha256: upload.sha256,
            sizeBytes: upload.size,
            mimeType: screened.mimeType,
            kind: screened.kind,
            storageKey,
            findings: screened.findings,
          });
          const file = await repository.insertFile(tx, {
            id: uuidv7(),
            organizationId: principal.organizationId,
            projectId,
            contentId: content.id,
            filename: screened.filename,
            purpose: upload.purpose,
            createdByUserId: principal.userId,
            createdByApiKeyId: principal.apiKeyId,
          });
          await events.publish(
            {
              type: FILE_UPLOADED,
              organization_id: principal.organizationId,
              data: { file_id: file.id, filename: file.filename, deduplicated: known !== undefined },
            },
            { tx },
          );
          return { file, content };
        });
        return toFileView(stored.file, stored.content, 0);
      } finally {
        await discardUpload(upload.path);
      }
    },

    async list(principal: Principal, filters: repository.FileFilters, page: Page) {
      const { rows, total } = await repository.listFiles(db, principal, filters, page);
      return { items: rows.map((row) => toFileView(row.file, row.content, row.attachedAgents)), total };
    },

    async get(principal: Principal, fileId: string): Promise<FileView> {
      const { file, content, attachedAgents } = await requireFile(principal, fileId);
      return toFileView(file, content, attachedAgents);
    },

    async download(principal: Principal, fileId: string): Promise<FileDownload> {
      const { file, content } = await requireFile(principal, fileId);
      return {
        filename: file.filename,
        mimeType: content.mimeType,
        size: content.sizeBytes,
        body: await blobs.open(content.storageKey),
      };
    },

    /**
     * Deletes a file. While agents read it the answer is 409 `file_attached`, unless `force`
     * detaches it from each of them first (recorded in each agent's history). The blob goes with
     * the content's last file, once the deletion has committed.
     */
    async remove(context: ChangeContext, fileId: string, force: boolean): Promise<void> {
      const { principal } = context;
      await requireFile(principal, fileId);
      const attachedError = (agentIds: string[]) =>
        new ConflictError(
          'file_attached',
          `The file is attached to ${agentIds.length || 'an'} agent(s): detach it first, or delete with ?force=true`,
          { agent_ids: agentIds },
        );
      // Deleted agents no longer read anything: their attachments go with the file, unrecorded.
      const { live, deleted } = await agentsReading(principal, fileId);
      if (live.length > 0 && !force) throw attachedError(live);
      for (const agentId of live) await agentFiles.detach(context, agentId, fileId);
      const orphanKey = await db
        .transaction(async (tx) => {
          const found = await repository.findFile(tx, principal, fileId);
          if (!found) return null;
          await repository.deleteAttachments(tx, principal, fileId, deleted);
          const storageKey = await repository.deleteFile(tx, principal, found.file);
          await events.publish(
            { type: FILE_DELETED, organization_id: principal.organizationId, data: { file_id: fileId } },
            { tx },
          );
          return storageKey;
        })
        .catch((error: unknown) => {
          // An agent attached the file between the check and the deletion.
          if (isForeignKeyViolation(error)) throw attachedError([]);
          throw error;
        });
      if (orphanKey) {
        await blobs.remove(orphanKey).catch((error: unknown) => onBlobRemovalError(error, orphanKey));
      }
    },
  };
}

export type FileService = ReturnType<typeof createFileService>;
