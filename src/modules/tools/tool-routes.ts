import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { disconnectSignal } from '../../platform/http/server-sent-events.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createToolBody,
  listToolsQuery,
  testToolBody,
  toolIdParams,
  toolListView,
  toolTestView,
  toolView,
  updateToolBody,
} from './tool-schemas.ts';
import type { ToolService } from './tool-service.ts';

const notFound = { 404: errorBodySchema };
const readOnly = {
  409: errorBodySchema.describe(
    'builtin_tool_read_only: a built-in tool; mcp_tool_not_deletable: an MCP server’s tool (delete)',
  ),
};

/** The organization's tools (seed 004 Tool, docs/tools.md): HTTP tools it defines, its MCP servers' tools, the built-in ones. */
export const toolRoutes =
  (tools: ToolService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['tools'], security: bearerSecurity };
    const read = guard('tools:read');
    const manage = guard('tools:manage', { organizationWide: true });

    app.post(
      '/tools',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createTool',
          summary: 'Add an HTTP tool the organization’s agents can name in tools[]',
          description:
            'Secret header values are stored encrypted and never returned. A URL whose host has no placeholder must ' +
            'pass the outbound guard (400 outbound_url_blocked); every call is checked again. 409 tool_name_taken when ' +
            'the name (any case) is another tool’s, a built-in one’s included.',
          body: createToolBody,
          response: {
            201: toolView,
            400: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => reply.code(201).send(await tools.create(principalOf(request), request.body)),
    );

    app.get(
      '/tools',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listTools',
          summary: 'The organization’s tools: the built-in ones, then its own (newest first)',
          description:
            'Built-in tools have kind builtin and their name as id. Filters: kind, enabled, mcp_server_id, search. ' +
            'Paginated with limit/offset; X-Total-Count holds the total.',
          querystring: listToolsQuery,
          response: { 200: toolListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await tools.list(principalOf(request), request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/tools/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getTool',
          summary: 'Get a tool by id, or a built-in tool by name',
          params: toolIdParams,
          response: { 200: toolView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => tools.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/tools/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'updateTool',
          summary: 'Change a tool (partial); an MCP server’s tool takes enabled and metadata only',
          description:
            'http.secret_headers replaces every secret header (null removes them; omitted keeps them). Built-in tools ' +
            'are read-only (409).',
          params: toolIdParams,
          body: updateToolBody,
          response: {
            200: toolView,
            400: errorBodySchema,
            ...notFound,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request) => tools.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/tools/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteTool',
          summary: 'Delete an HTTP tool (soft: then 404); agents naming it skip it from their next turn',
          description:
            'An MCP server’s tool cannot be deleted (409 mcp_tool_not_deletable): disable it, or delete or change its ' +
            'server. Built-in tools are read-only (409).',
          params: toolIdParams,
          response: {
            204: z.null().describe('Deleted'),
            ...notFound,
            ...readOnly,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        await tools.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/tools/:id/test',
      {
        onRequest: manage,
        // It calls out, as a turn's tool call does.
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'testTool',
          summary: 'Run a tool once with arguments, as an agent’s turn would',
          description:
            '200 either way: {success: true, result} or {success: false, error}, with duration_ms; the result or error ' +
            'is what the model would read. Arguments are validated against the tool’s input_schema first (422). Runs ' +
            'a disabled tool too. Built-in tools run inside turns only (409).',
          params: toolIdParams,
          body: testToolBody,
          response: { 200: toolTestView, ...notFound, ...readOnly, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        tools.test(principalOf(request), request.params.id, request.body.arguments, disconnectSignal(reply)),
    );
  };
