import { randomBytes } from 'node:crypto';
import { type NewChunk, replaceChunks } from '../../src/modules/knowledge/chunk-repository.ts';
import { agentFiles, fileContents, files } from '../../src/modules/knowledge/knowledge-tables.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { uuidv7 } from '../../src/platform/db/ids.ts';
import type { TenantScope } from '../../src/platform/db/tenant-scope.ts';

/**
 * Processed documents written straight to the knowledge tables, as the processing job leaves
 * them (content, chunks), for tests and benchmarks of retrieval below the upload path.
 */

/** Text chunks at consecutive offsets. */
export const textChunks = (texts: readonly string[]): NewChunk[] => {
  let charStart = 0;
  return texts.map((text) => {
    const chunk = { text, position: { charStart } };
    charStart += text.length;
    return chunk;
  });
};

/** A processed content holding these chunks; returns its id. */
export async function storeContent(
  db: Database,
  scope: TenantScope,
  chunks: readonly NewChunk[],
): Promise<string> {
  const contentId = uuidv7();
  const sha256 = randomBytes(32).toString('hex');
  await db.transaction(async (tx) => {
    await tx.insert(fileContents).values({
      id: contentId,
      organizationId: scope.organizationId,
      sha256,
      sizeBytes: chunks.reduce((total, chunk) => total + chunk.text.length, 0),
      mimeType: 'text/plain',
      kind: 'txt',
      storageKey: `${scope.organizationId}/${sha256}`,
      processingStatus: 'processed',
      chunkCount: chunks.length,
      processedAt: new Date(),
    });
    await replaceChunks(tx, scope, contentId, chunks);
  });
  return contentId;
}

/** A file naming the content, attached to the agent at `orderIndex`; returns the file's id. */
export async function attachContent(
  db: Database,
  scope: TenantScope,
  agentId: string,
  contentId: string,
  filename: string,
  orderIndex = 0,
): Promise<string> {
  const fileId = uuidv7();
  await db.insert(files).values({
    id: fileId,
    organizationId: scope.organizationId,
    contentId,
    filename,
    purpose: 'agent_context',
  });
  await db.insert(agentFiles).values({
    id: uuidv7(),
    organizationId: scope.organizationId,
    agentId,
    fileId,
    orderIndex,
  });
  return fileId;
}

/** A document of these texts attached to the agent; returns the content's and the file's ids. */
export async function attachDocument(
  db: Database,
  scope: TenantScope,
  agentId: string,
  filename: string,
  texts: readonly string[],
): Promise<{ contentId: string; fileId: string }> {
  const contentId = await storeContent(db, scope, textChunks(texts));
  return { contentId, fileId: await attachContent(db, scope, agentId, contentId, filename) };
}
