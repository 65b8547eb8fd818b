import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createMcpServerBody,
  listMcpServersQuery,
  mcpServerListView,
  mcpServerView,
  updateMcpServerBody,
} from './mcp-schemas.ts';
import type { McpServerService } from './mcp-server-service.ts';

export const mcpServerRoutes =
  (servers: McpServerService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['mcp-servers'], security: bearerSecurity };
    const read = guard('mcp_servers:read');
    const manage = guard('mcp_servers:manage', { organizationWide: true });
    const notFound = { 404: errorBodySchema };
    const writeErrors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/mcp-servers',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createMcpServer',
          summary: 'Register an MCP server; a background check connects and lists its tools',
          description:
            'The authentication is stored encrypted and never returned. An endpoint must pass the outbound ' +
            'guard (400 outbound_url_blocked). stdio servers are refused (422) unless the command is in ' +
            'MCP_STDIO_ALLOWED_COMMANDS. The server is `pending` until a worker has checked it; its tools ' +
            'then appear as `<name>.<tool>`.',
          body: createMcpServerBody,
          response: {
            201: mcpServerView,
            400: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await servers.create(principalOf(request), request.body)),
    );

    app.get(
      '/mcp-servers',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listMcpServers',
          summary: 'List the organization’s MCP servers (newest first), each with its tools and health',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listMcpServersQuery,
          response: { 200: mcpServerListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await servers.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/mcp-servers/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getMcpServer',
          summary: 'Get an MCP server: its tools, resources, prompts and health',
          params: idParams,
          response: { 200: mcpServerView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => servers.get(principalOf(request), request.params.id),
    );

    const updateOperationIds = { put: 'updateMcpServer', patch: 'patchMcpServer' } as const;
    for (const method of ['put', 'patch'] as const) {
      app[method](
        '/mcp-servers/:id',
        {
          onRequest: manage,
          schema: {
            ...common,
            operationId: updateOperationIds[method],
            summary: `Update an MCP server (${method.toUpperCase()}: partial); a new endpoint or credential is checked again`,
            description:
              '`authentication: null` (or `{}`) removes it; an omitted authentication keeps it. A new name ' +
              'renames the server’s tools.',
            params: idParams,
            body: updateMcpServerBody,
            response: { 200: mcpServerView, ...writeErrors, ...standardErrorResponses },
          },
        },
        async (request) => servers.update(principalOf(request), request.params.id, request.body),
      );
    }

    app.delete(
      '/mcp-servers/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteMcpServer',
          summary: 'Delete an MCP server and its tools (soft: then 404 on reads)',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await servers.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/mcp-servers/:id/refresh',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'refreshMcpServer',
          summary: 'Check an MCP server again and refresh its tools, in the background',
          description:
            'Answers 202 with the server `pending`; poll GET /mcp-servers/{id} until its health is ' +
            '`connected` or `error`.',
          params: idParams,
          response: { 202: mcpServerView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await servers.refresh(principalOf(request), request.params.id)),
    );
  };
