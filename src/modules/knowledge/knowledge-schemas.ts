import { z } from 'zod';
import { nullableTimestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';

// --- Knowledge settings: the embedding model and the retrieval mode ---------------------------

const embeddingProviderId = z
  .uuid()
  .nullable()
  .describe(
    'A provider the organization may use (its own, or a shared operator one) of a type with embeddings: ' +
      'openai, ollama or openai_compatible. null: no embedding model (full-text retrieval only).',
  );
const embeddingModel = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .nullable()
  .describe(
    'The provider’s embedding model, e.g. text-embedding-3-small or nomic-embed-text; null with the provider',
  );

export const updateKnowledgeSettingsBody = z
  .object({ embedding_provider_id: embeddingProviderId, embedding_model: embeddingModel })
  .strict()
  .meta({
    id: 'KnowledgeSettingsUpdate',
    example: { embedding_provider_id: exampleIds.provider, embedding_model: 'text-embedding-3-small' },
  });
export type UpdateKnowledgeSettingsBody = z.infer<typeof updateKnowledgeSettingsBody>;

export const retrievalModes = ['hybrid', 'full-text'] as const;

export const knowledgeSettingsView = z
  .object({
    embedding_provider_id: z.uuid().nullable(),
    embedding_model: z.string().nullable(),
    retrieval_mode: z
      .enum(retrievalModes)
      .describe(
        'hybrid: full-text and vector ranks fused (an embedding model is set and the database has pgvector); ' +
          'full-text otherwise',
      ),
    vector_support: z
      .boolean()
      .describe(
        'Whether this server’s database can store vectors (pgvector); without it retrieval is full-text',
      ),
    updated_at: nullableTimestamp.describe('Null until the settings are first changed'),
  })
  .meta({
    id: 'KnowledgeSettings',
    example: {
      embedding_provider_id: exampleIds.provider,
      embedding_model: 'text-embedding-3-small',
      retrieval_mode: 'hybrid',
      vector_support: true,
      updated_at: exampleTimes.fileUploaded,
    },
  });
export type KnowledgeSettingsView = z.infer<typeof knowledgeSettingsView>;
