import type { Database, Transaction } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { iso } from '../../platform/http/common-schemas.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import { assertServesEmbeddings } from '../../platform/llm/model-factory.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import type { ResolveConnection } from './chunk-embeddings.ts';
import type { KnowledgeSettingsView, UpdateKnowledgeSettingsBody } from './knowledge-schemas.ts';
import {
  type EmbeddingChoice,
  findKnowledgeSettings,
  type KnowledgeSettingsRow,
  saveKnowledgeSettings,
} from './knowledge-settings-repository.ts';
import type { VectorSupport } from './vector-support.ts';

export interface KnowledgeSettingsOptions {
  db: Database;
  resolveConnection: ResolveConnection;
  vectorSupport: VectorSupport;
  /**
   * The embedding model changed (committed with the change): the organization's chunks are to be
   * embedded again (`reembedOrganization`). Runs inside the transaction, to enqueue the work with it.
   */
  onEmbeddingModelChanged?: (tx: Transaction, scope: TenantScope) => Promise<void>;
}

const bothOrNeither = () =>
  new ValidationError('Set the embedding provider and model together, or both to null', [
    { field: 'embedding_model', message: 'must be null exactly when embedding_provider_id is null' },
  ]);

const notUsable = (providerId: string) =>
  new ValidationError('The embedding provider is not one this organization may use', [
    {
      field: 'embedding_provider_id',
      value: providerId,
      message: `names no provider of this organization (or shared with it): ${providerId}`,
    },
  ]);

/** The organization's knowledge settings: which embedding model (if any) its chunks get. */
export function createKnowledgeSettingsService({
  db,
  resolveConnection,
  vectorSupport,
  onEmbeddingModelChanged,
}: KnowledgeSettingsOptions) {
  const vectors = vectorSupport.mode === 'hybrid';

  const view = (row: KnowledgeSettingsRow | undefined): KnowledgeSettingsView => {
    const providerId = row?.embeddingProviderId ?? null;
    const model = row?.embeddingModel ?? null;
    return {
      embedding_provider_id: providerId,
      embedding_model: model,
      retrieval_mode: vectors && providerId && model ? 'hybrid' : 'full-text',
      vector_support: vectors,
      updated_at: iso(row?.updatedAt ?? null),
    };
  };

  /** Refuses a provider the organization may not use (422) or one without embeddings (400). */
  async function checkProvider(principal: Principal, providerId: string) {
    let connection: Awaited<ReturnType<ResolveConnection>>;
    try {
      connection = await resolveConnection(principal, providerId);
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ForbiddenError) throw notUsable(providerId);
      throw error; // 400 provider_inactive, or a failure
    }
    assertServesEmbeddings(connection);
  }

  return {
    async get(principal: Principal): Promise<KnowledgeSettingsView> {
      return view(await findKnowledgeSettings(db, principal));
    },

    /**
     * Chooses the embedding model (or none, with both null). The provider must be usable by the
     * organization (422 otherwise, 400 provider_inactive) and serve embeddings (400
     * embeddings_unsupported). A different choice than before calls `onEmbeddingModelChanged`.
     */
    async update(principal: Principal, body: UpdateKnowledgeSettingsBody): Promise<KnowledgeSettingsView> {
      requirePermission(principal, 'providers:manage');
      const choice: EmbeddingChoice = {
        embeddingProviderId: body.embedding_provider_id,
        embeddingModel: body.embedding_model,
      };
      if ((choice.embeddingProviderId === null) !== (choice.embeddingModel === null)) throw bothOrNeither();
      if (choice.embeddingProviderId !== null) {
        await checkProvider(principal, choice.embeddingProviderId);
      }
      const row = await db.transaction(async (tx) => {
        const saved = await saveKnowledgeSettings(tx, principal, choice);
        const previous = saved.previous ?? { embeddingProviderId: null, embeddingModel: null };
        const changed =
          previous.embeddingProviderId !== choice.embeddingProviderId ||
          previous.embeddingModel !== choice.embeddingModel;
        if (changed) await onEmbeddingModelChanged?.(tx, principal);
        return saved.row;
      });
      return view(row);
    },
  };
}

export type KnowledgeSettingsService = ReturnType<typeof createKnowledgeSettingsService>;
