import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { exampleIds } from '../../platform/http/openapi-examples.ts';
import { type AccessGuard, bearerSecurity, type Principal, principalOf } from '../tenancy/index.ts';
import { retrievalModes } from './knowledge-schemas.ts';
import type { KnowledgeHit } from './knowledge-search.ts';

type RetrievalMode = (typeof retrievalModes)[number];

export type KnowledgeSearch = (
  principal: Principal,
  agentId: string,
  query: string,
  k: number,
) => Promise<{ mode: RetrievalMode; hits: KnowledgeHit[] }>;

const searchBody = z
  .object({
    query: z.string().trim().min(1).max(2_000),
    k: z.number().int().min(1).max(50).default(5).describe('How many passages, best first'),
  })
  .strict()
  .meta({ id: 'KnowledgeSearch', example: { query: 'How long do refunds take?', k: 3 } });

const positionView = z
  .object({
    page: z.number().int().optional(),
    sheet: z.string().optional(),
    rows: z.tuple([z.number().int(), z.number().int()]).optional(),
    heading_path: z.array(z.string()).optional(),
    char_start: z.number().int(),
  })
  .meta({ id: 'ChunkPosition' });

const resultExample = {
  query: 'How long do refunds take?',
  mode: 'full-text',
  results: [
    {
      chunk_id: exampleIds.chunk,
      file_id: exampleIds.file,
      filename: 'refund-policy.pdf',
      text: 'Refunds are processed within 5 business days of approval.',
      position: { page: 3, char_start: 6_120 },
      score: 0.0328,
      ranks: { full_text: 1, vector: null },
    },
  ],
} as const;

const searchResponse = z
  .object({
    query: z.string(),
    mode: z
      .enum(retrievalModes)
      .describe('hybrid when the organization has an embedding model and vectors exist'),
    results: z.array(
      z.object({
        chunk_id: z.uuid(),
        file_id: z.uuid(),
        filename: z.string(),
        text: z.string(),
        position: positionView,
        score: z.number().describe('Reciprocal rank fusion of the full-text and vector ranks'),
        ranks: z.object({ full_text: z.number().int().nullable(), vector: z.number().int().nullable() }),
      }),
    ),
  })
  .meta({ id: 'KnowledgeSearchResult', example: resultExample });

/** `POST /agents/{id}/knowledge/search`: what the knowledge source would quote for a question. */
export const knowledgeSearchRoutes =
  (search: KnowledgeSearch, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/agents/:id/knowledge/search',
      {
        onRequest: guard('files:read'),
        schema: {
          tags: ['files'],
          security: bearerSecurity,
          operationId: 'searchAgentKnowledge',
          summary: 'Search the passages of an agent’s files: hybrid full-text and vector retrieval',
          description:
            'Only the agent’s extracted files are searched. Full-text ranks (and vector ranks when the ' +
            'organization has an embedding model) are fused by reciprocal rank fusion.',
          params: idParams,
          body: searchBody,
          response: { 200: searchResponse, 404: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => {
        const { query, k } = request.body;
        const { mode, hits } = await search(principalOf(request), request.params.id, query, k);
        return {
          query,
          mode,
          results: hits.map((hit) => ({
            chunk_id: hit.chunkId,
            file_id: hit.fileId,
            filename: hit.filename,
            text: hit.text,
            position: {
              ...(hit.position.page !== undefined ? { page: hit.position.page } : {}),
              ...(hit.position.sheet !== undefined ? { sheet: hit.position.sheet } : {}),
              ...(hit.position.rows ? { rows: hit.position.rows } : {}),
              ...(hit.position.headingPath ? { heading_path: hit.position.headingPath } : {}),
              char_start: hit.position.charStart,
            },
            score: hit.score,
            ranks: { full_text: hit.ranks.fullText, vector: hit.ranks.vector },
          })),
        };
      },
    );
  };
