import { and, eq, sum } from 'drizzle-orm';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Database } from '../../platform/db/database.ts';
import { inScope } from '../../platform/db/tenant-scope.ts';
import type { AgentFileStorage } from '../monitoring/index.ts';
import { agentFiles, fileContents, files } from './knowledge-tables.ts';

/**
 * What the agent monitor asks of the files module: whether the blob store can be written and
 * read (the `file_access` check), and the bytes an agent's files take.
 */
export function agentFileStorage(
  db: Database,
  blobs: BlobStore,
  onCheckFailed: (error: unknown) => void,
): AgentFileStorage {
  return {
    async checkAccess() {
      try {
        await blobs.check();
        return { status: 'healthy' };
      } catch (error) {
        onCheckFailed(error);
        // Where the blobs live is the operator's business: tenants learn only that storage fails.
        return { status: 'error', message: 'The file storage cannot be written or read' };
      }
    },
    async usageBytes(principal, agentId) {
      const [row] = await db
        .select({ bytes: sum(fileContents.sizeBytes).mapWith(Number) })
        .from(agentFiles)
        .innerJoin(files, eq(files.id, agentFiles.fileId))
        .innerJoin(fileContents, eq(fileContents.id, files.contentId))
        .where(and(inScope(agentFiles.organizationId, principal), eq(agentFiles.agentId, agentId)));
      return row?.bytes ?? 0;
    },
  };
}
