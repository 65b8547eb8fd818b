import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { versionInIfMatch } from '../../platform/http/if-match.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  type ContextView,
  contextListView,
  contextVersionListView,
  contextView,
  createContextBody,
  getContextQuery,
  ifMatchHeaders,
  listContextsQuery,
  listVersionsQuery,
  rollbackContextBody,
  writeContextBody,
} from './context-schemas.ts';
import type { ContextChange, ContextService } from './context-service.ts';

const changeOf = (request: FastifyRequest): ContextChange => ({
  principal: principalOf(request),
  expectedVersion: versionInIfMatch(request.headers['if-match'], 'context'),
});

/** The ETag of a context is its current version, whichever version the body shows. */
const withETag = (reply: FastifyReply, context: ContextView) => {
  reply.header('etag', `"${context.current_version}"`);
  return context;
};

const notFound = { 404: errorBodySchema };
const writeErrors = {
  ...notFound,
  412: errorBodySchema.describe('version_conflict: If-Match names another version (details.current_version)'),
  413: errorBodySchema.describe('payload_too_large: the data is larger than 256 KB once serialized'),
};

/** Shared contexts (seed 002, docs/contexts.md): named JSON documents of an agent, versioned. */
export const contextRoutes =
  (contexts: ContextService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['contexts'], security: bearerSecurity };
    const read = guard('agents:read');
    const write = guard('agents:write');

    app.post(
      '/agents/:id/contexts',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createAgentContext',
          summary: 'Get or create the agent’s context of that name',
          description:
            '201 with version 1 when the agent had no context of that name; 200 with the existing context, ' +
            'unchanged (its data and change_description in the request are ignored), when it had one: write ' +
            'it with PUT /contexts/{id}. The context copies the agent’s project.',
          params: idParams,
          body: createContextBody,
          response: {
            200: contextView.describe('The agent already had a context of that name: it is unchanged'),
            201: contextView,
            ...notFound,
            413: writeErrors[413],
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const { context, created } = await contexts.create(
          principalOf(request),
          request.params.id,
          request.body,
        );
        return reply.code(created ? 201 : 200).send(withETag(reply, context));
      },
    );

    app.get(
      '/agents/:id/contexts',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentContexts',
          summary: 'The agent’s contexts and those shared with it, newest first',
          description:
            '`access` is owner for its own, read or read_write for one shared with it (`owner_agent_id` names ' +
            'the agent that shared it). Without data: read a context with GET /contexts/{id}. Paginated with ' +
            'limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listContextsQuery,
          response: { 200: contextListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await contexts.list(principalOf(request), request.params.id, request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/contexts/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getContext',
          summary: 'A context’s current data, or its data at a retained version',
          description:
            'The ETag is the current version (send it as If-Match to write). ?version=n: the data of version n; ' +
            '404 naming the retained versions when n was pruned (AGENT_CONTEXT_HISTORY_LIMIT) or does not exist.',
          params: idParams,
          querystring: getContextQuery,
          response: { 200: contextView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        withETag(reply, await contexts.get(principalOf(request), request.params.id, request.query.version)),
    );

    app.put(
      '/contexts/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'writeContext',
          summary: 'Write a context: the data replaces it as a new, immutable version',
          description:
            'With If-Match ("3" or 3): 412 version_conflict unless the context is at that version, with ' +
            '`details.current_version`. Without it, concurrent writes take turns and each appends its own ' +
            'version. Versions beyond AGENT_CONTEXT_HISTORY_LIMIT are pruned, oldest first.',
          params: idParams,
          headers: ifMatchHeaders,
          body: writeContextBody,
          response: { 200: contextView, ...writeErrors, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        withETag(reply, await contexts.write(changeOf(request), request.params.id, request.body)),
    );

    app.delete(
      '/contexts/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteContext',
          summary: 'Delete a context with its versions and shares',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await contexts.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/contexts/:id/versions',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listContextVersions',
          summary: 'The retained versions of a context, newest first',
          description:
            'Who wrote each: a user or API key (API writes), or an agent and its run (write_context). ' +
            'include_data=true adds each version’s data. Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listVersionsQuery,
          response: { 200: contextVersionListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await contexts.listVersions(
          principalOf(request),
          request.params.id,
          request.query,
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.post(
      '/contexts/:id/rollback',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'rollbackContext',
          summary: 'Append a version whose data equals a retained earlier version',
          description:
            'History is never rewritten: the new version has change_type rollback and restored_version n. ' +
            '404 when version n was pruned or does not exist. If-Match as for PUT.',
          params: idParams,
          headers: ifMatchHeaders,
          body: rollbackContextBody,
          response: { 200: contextView, ...writeErrors, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        withETag(reply, await contexts.rollback(changeOf(request), request.params.id, request.body)),
    );
  };
