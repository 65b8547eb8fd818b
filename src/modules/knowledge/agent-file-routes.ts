import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import type { ChangeContext } from '../agents/index.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import type { AgentFileService } from './agent-file-service.ts';
import {
  agentFileListView,
  agentFileParams,
  agentFileView,
  attachFileBody,
  listAgentFilesQuery,
  updateAgentFileBody,
} from './file-schemas.ts';

const changeContextOf = (request: FastifyRequest): ChangeContext => ({
  principal: principalOf(request),
  ipAddress: request.ip ?? null,
});

/** The files an agent reads (seed 000 phase 3), under /agents/{id}/files. */
export const agentFileRoutes =
  (agentFiles: AgentFileService, guard: AccessGuard, agentFileLimit: number): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['files'], security: bearerSecurity };
    const read = guard('files:read');
    const write = guard('agents:write');
    const notFound = { 404: errorBodySchema };

    app.post(
      '/agents/:id/files',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'attachAgentFile',
          summary: 'Attach an uploaded file to an agent; it answers `pending` until extracted',
          description:
            `At most AGENT_FILE_LIMIT files per agent (${agentFileLimit} here): one more is 400 ` +
            'file_limit_exceeded. The same file twice: 409. The first agent to read a file starts its ' +
            'extraction (`file-processing-updated` events follow it); later ones reuse it. Recorded as ' +
            '`file_attached` in the agent’s history. order_index defaults to the end of the list.',
          params: idParams,
          body: attachFileBody,
          response: {
            201: agentFileView,
            400: errorBodySchema,
            404: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await agentFiles.attach(changeContextOf(request), request.params.id, request.body)),
    );

    app.get(
      '/agents/:id/files',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentFiles',
          summary: 'List the files an agent reads, in reading order, with their extraction state',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listAgentFilesQuery,
          response: { 200: agentFileListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await agentFiles.list(
          principalOf(request),
          request.params.id,
          request.query,
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agents/:id/files/:file_id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentFile',
          summary: 'Get one of an agent’s files: processing_status, error, char_count, page_count',
          params: agentFileParams,
          response: { 200: agentFileView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => agentFiles.get(principalOf(request), request.params.id, request.params.file_id),
    );

    app.patch(
      '/agents/:id/files/:file_id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'updateAgentFile',
          summary: 'Move a file in the agent’s reading order',
          params: agentFileParams,
          body: updateAgentFileBody,
          response: { 200: agentFileView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) =>
        agentFiles.reorder(
          changeContextOf(request),
          request.params.id,
          request.params.file_id,
          request.body.order_index,
        ),
    );

    app.delete(
      '/agents/:id/files/:file_id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'detachAgentFile',
          summary: 'Detach a file from an agent (the file itself stays)',
          description: 'Recorded as `file_detached` in the agent’s history.',
          params: agentFileParams,
          response: { 204: z.null(), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await agentFiles.detach(changeContextOf(request), request.params.id, request.params.file_id);
        return reply.code(204).send(null);
      },
    );
  };
