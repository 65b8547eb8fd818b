import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  bulkReviewBody,
  bulkReviewView,
  exportProposalsQuery,
  fieldFilters,
  listProposalsQuery,
  proposalListView,
  proposalView,
  reviewBody,
} from './proposal-schemas.ts';
import type { ProposalService } from './proposal-service.ts';

const decisions = [
  ['approve', 'approved', 'Approve'],
  ['reject', 'rejected', 'Reject'],
] as const;

/** Proposals of analysis runs: listed, reviewed one by one or in bulk, exported. */
export const proposalRoutes =
  (proposals: ProposalService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['analysis'], security: bearerSecurity };
    const read = guard('agents:read');
    const write = guard('agents:write');
    const notFound = { 404: errorBodySchema };

    app.get(
      '/analysis/runs/:id/proposals',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAnalysisRunProposals',
          summary: 'A run’s proposals in item order; filters status and field.<name>=value',
          description:
            '`field.category=bug` keeps proposals whose output’s top-level `category` is `bug` (compared as ' +
            'text: `field.confidence=0.95`, `field.urgent=true`). X-Total-Count holds the total.',
          params: idParams,
          querystring: listProposalsQuery,
          response: { 200: proposalListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, status } = request.query;
        const filters = { status, fields: fieldFilters(request.query) };
        const { items, total } = await proposals.list(principalOf(request), request.params.id, filters, {
          limit,
          offset,
        });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/analysis/runs/:id/proposals/export',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'exportAnalysisRunProposals',
          summary: 'A run’s proposals as CSV or JSON Lines, streamed',
          description:
            'format=jsonl (default): one JSON object per line. format=csv: proposal_id, item_index, ' +
            'proposal_status, review_reason, source_ref, input, then one column per top-level property of the ' +
            'response_schema. Same filters as the list.',
          params: idParams,
          querystring: exportProposalsQuery,
          produces: ['text/csv', 'application/x-ndjson'],
          response: {
            200: z.string().describe('CSV rows or JSON lines'),
            ...notFound,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const { format, status } = request.query;
        const filters = { status, fields: fieldFilters(request.query) };
        const stream = await proposals.export(principalOf(request), request.params.id, format, filters);
        const extension = format === 'csv' ? 'csv' : 'jsonl';
        return (
          reply
            .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
            .header(
              'content-disposition',
              `attachment; filename="analysis-run-${request.params.id}.${extension}"`,
            )
            .header('cache-control', 'private, no-store')
            // The schema documents the text for the OpenAPI document; a stream is sent unserialized.
            .send(stream as never)
        );
      },
    );

    for (const [action, status, verb] of decisions) {
      app.post(
        `/analysis/runs/:id/proposals/${action}`,
        {
          onRequest: write,
          schema: {
            ...common,
            operationId: `${action}AnalysisRunProposals`,
            summary: `${verb} the run’s proposals named by ids, or every pending one with all: true`,
            description: 'Ids that are no proposal of this run are listed in not_found.',
            params: idParams,
            body: bulkReviewBody,
            response: { 200: bulkReviewView, ...notFound, ...standardErrorResponses },
          },
        },
        async (request) =>
          proposals.reviewMany(principalOf(request), request.params.id, status, request.body),
      );

      app.post(
        `/proposals/:id/${action}`,
        {
          onRequest: write,
          schema: {
            ...common,
            operationId: `${action}Proposal`,
            summary: `${verb} a proposal (a later decision replaces an earlier one)`,
            params: idParams,
            body: reviewBody,
            response: { 200: proposalView, ...notFound, ...standardErrorResponses },
          },
        },
        async (request) =>
          proposals.review(principalOf(request), request.params.id, status, request.body?.reason),
      );
    }

    app.get(
      '/proposals/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getProposal',
          summary: 'A proposal with its item’s input and its review',
          params: idParams,
          response: { 200: proposalView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => proposals.get(principalOf(request), request.params.id),
    );
  };
