import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { knowledgeSettings } from './knowledge-tables.ts';

export type KnowledgeSettingsRow = typeof knowledgeSettings.$inferSelect;

/** The embedding model an organization chose: both set, or both null (none). */
export interface EmbeddingChoice {
  embeddingProviderId: string | null;
  embeddingModel: string | null;
}

export async function findKnowledgeSettings(
  db: Executor,
  scope: TenantScope,
): Promise<KnowledgeSettingsRow | undefined> {
  const [row] = await db
    .select()
    .from(knowledgeSettings)
    .where(inScope(knowledgeSettings.organizationId, scope));
  return row;
}

/**
 * Writes the organization's choice and returns the row, with the choice it replaces (null when
 * there was no row): the row is locked first, so two concurrent changes see each other's result.
 */
export async function saveKnowledgeSettings(
  tx: Executor,
  scope: TenantScope,
  choice: EmbeddingChoice,
): Promise<{ row: KnowledgeSettingsRow; previous: EmbeddingChoice | null }> {
  const [previous] = await tx
    .select({
      embeddingProviderId: knowledgeSettings.embeddingProviderId,
      embeddingModel: knowledgeSettings.embeddingModel,
    })
    .from(knowledgeSettings)
    .where(inScope(knowledgeSettings.organizationId, scope))
    .for('update');
  const [row] = await tx
    .insert(knowledgeSettings)
    .values({ organizationId: scope.organizationId, ...choice })
    .onConflictDoUpdate({
      target: knowledgeSettings.organizationId,
      set: { ...choice, updatedAt: sql`now()` },
    })
    .returning();
  return { row: row as KnowledgeSettingsRow, previous: previous ?? null };
}
