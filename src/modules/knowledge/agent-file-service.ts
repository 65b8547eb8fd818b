import type { Database, Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { AgentAttachments, AttachmentChange, ChangeContext } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import * as attachmentsRepository from './agent-file-repository.ts';
import { requestFirstProcessing } from './content-processing-repository.ts';
import { FILE_PROCESSING_QUEUE, type FileProcessingJob } from './file-processing-job.ts';
import { findFile, findFileOrganization } from './file-repository.ts';
import type { AgentFileView } from './file-schemas.ts';
import { toAgentFileView } from './file-views.ts';

const alreadyAttached = (fileId: string) =>
  new ConflictError('file_already_attached', 'This file is already attached to the agent', {
    file_id: fileId,
  });

/** The live events of attachments (docs/events.md). */
export const AGENT_FILE_ATTACHED = 'agent-file-attached';
export const AGENT_FILE_DETACHED = 'agent-file-detached';

/**
 * The files an agent reads (seed 000 phase 3): attaching, listing, ordering, detaching. Attaching
 * and detaching change the agent under its row lock and record `file_attached` / `file_detached`
 * in its history; the first attachment of a content starts its extraction.
 */
export function createAgentFileService({
  db,
  queue,
  attachments,
  requireAgent,
  agentFileLimit,
  onAttachmentsChanged,
}: {
  db: Database;
  queue: Pick<JobQueue, 'send'>;
  attachments: AgentAttachments;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  agentFileLimit: number;
  /** After an attachment change committed: this process's caches of the agent's files are stale. */
  onAttachmentsChanged(organizationId: string, agentId: string): void;
}) {
  /** An attachment change of the agent, with this process's caches told once it committed. */
  async function changeFiles<T>(
    context: ChangeContext,
    agentId: string,
    apply: (tx: Executor) => Promise<AttachmentChange<T>>,
  ): Promise<T> {
    const result = await attachments.change(agentId, context, apply);
    onAttachmentsChanged(context.principal.organizationId, agentId);
    return result;
  }

  async function requireFile(executor: Executor, principal: Principal, fileId: string) {
    return requireInScope(await findFile(executor, principal, fileId), 'File', () =>
      findFileOrganization(executor, fileId),
    );
  }

  async function requireAttachment(principal: Principal, agentId: string, fileId: string) {
    await requireAgent(principal, agentId);
    const found = await attachmentsRepository.findAgentFile(db, principal, agentId, fileId);
    if (!found) throw new NotFoundError('Agent file');
    return found;
  }

  async function detach(context: ChangeContext, agentId: string, fileId: string): Promise<void> {
    await changeFiles(context, agentId, async (tx) => {
      const found = await attachmentsRepository.findAgentFile(tx, context.principal, agentId, fileId);
      if (!found) throw new NotFoundError('Agent file');
      await attachmentsRepository.deleteAgentFile(tx, context.principal, agentId, fileId);
      return {
        result: undefined,
        history: {
          changeType: 'file_detached',
          field: 'files',
          oldValue: { file_id: fileId, filename: found.file.filename },
          newValue: null,
        },
        event: { type: AGENT_FILE_DETACHED, data: { file_id: fileId } },
      };
    });
  }

  return {
    async attach(
      context: ChangeContext,
      agentId: string,
      body: { file_id: string; order_index?: number | undefined },
    ): Promise<AgentFileView> {
      const { principal } = context;
      return changeFiles(context, agentId, async (tx) => {
        // After the agent's lock: another organization's agent is a 403 whatever file is named.
        const { file, content } = await requireFile(tx, principal, body.file_id);
        if (await attachmentsRepository.findAgentFile(tx, principal, agentId, file.id))
          throw alreadyAttached(file.id);
        const attached = await attachmentsRepository.countAgentFiles(tx, principal, agentId);
        if (attached >= agentFileLimit) {
          throw new BadRequestError(
            'file_limit_exceeded',
            `Agent file limit exceeded: an agent reads at most ${agentFileLimit} files; detach one first`,
            { limit: agentFileLimit },
          );
        }
        // Under the agent's lock: concurrent attachments to one agent see each other.
        const attachment = await attachmentsRepository.insertAgentFile(tx, {
          id: uuidv7(),
          organizationId: principal.organizationId,
          agentId,
          fileId: file.id,
          orderIndex: body.order_index ?? attached,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        });
        const attempt = await requestFirstProcessing(tx, principal, content.id);
        if (attempt !== null) {
          const job: FileProcessingJob = {
            organizationId: principal.organizationId,
            contentId: content.id,
            attempt,
          };
          await queue.send(FILE_PROCESSING_QUEUE, job, { tx, singletonKey: `${content.id}:${attempt}` });
        }
        return {
          result: toAgentFileView(attachment, file, content),
          history: {
            changeType: 'file_attached',
            field: 'files',
            oldValue: null,
            newValue: { file_id: file.id, filename: file.filename },
          },
          event: { type: AGENT_FILE_ATTACHED, data: { file_id: file.id, content_id: content.id } },
        };
      });
    },

    async list(principal: Principal, agentId: string, page: Page) {
      await requireAgent(principal, agentId);
      const { rows, total } = await attachmentsRepository.listAgentFiles(db, principal, agentId, page);
      return {
        items: rows.map(({ attachment, file, content }) => toAgentFileView(attachment, file, content)),
        total,
      };
    },

    async get(principal: Principal, agentId: string, fileId: string): Promise<AgentFileView> {
      const { attachment, file, content } = await requireAttachment(principal, agentId, fileId);
      return toAgentFileView(attachment, file, content);
    },

    /** Moves a file in the agent's reading order; recorded in the agent's history. */
    async reorder(context: ChangeContext, agentId: string, fileId: string, orderIndex: number) {
      return changeFiles(context, agentId, async (tx) => {
        const found = await attachmentsRepository.findAgentFile(tx, context.principal, agentId, fileId);
        if (!found) throw new NotFoundError('Agent file');
        await attachmentsRepository.updateOrderIndex(tx, context.principal, agentId, fileId, orderIndex);
        return {
          result: toAgentFileView({ ...found.attachment, orderIndex }, found.file, found.content),
          history: {
            changeType: 'file_reordered',
            field: 'files',
            oldValue: { file_id: fileId, order_index: found.attachment.orderIndex },
            newValue: { file_id: fileId, order_index: orderIndex },
          },
          event: { type: 'agent-file-updated', data: { file_id: fileId, order_index: orderIndex } },
        };
      });
    },

    detach,
  };
}

export type AgentFileService = ReturnType<typeof createAgentFileService>;
