import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createMemoryBody,
  forgetUserQuery,
  forgottenUserView,
  listMemoriesQuery,
  memoryListView,
  memorySearchView,
  memoryView,
  searchMemoriesBody,
  storedMemoryView,
  updateMemoryBody,
} from './memory-schemas.ts';
import type { MemoryService } from './memory-service.ts';

/** An agent's long-term memory (seed 001 phase 3, docs/memory.md). */
export const memoryRoutes =
  (memory: MemoryService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['memory'], security: bearerSecurity };
    const read = guard('memories:read');
    const write = guard('memories:write');
    const notFound = { 404: errorBodySchema };

    app.get(
      '/agents/:id/memories',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentMemories',
          summary: 'What the agent remembers, newest first',
          description:
            'Filters: scope, namespace, user_id (user memories and thread memories of the user’s sessions), ' +
            'session_id, kind, search (full text). Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listMemoriesQuery,
          response: { 200: memoryListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await memory.list(principalOf(request), request.params.id, request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.post(
      '/agents/:id/memories',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createAgentMemory',
          summary: 'Add a memory by hand',
          description:
            '201 with the new memory; 200 with `reinforced: true` when its namespace already held the statement ' +
            '(same words, whatever the case and punctuation), which is reinforced instead. scope user needs ' +
            'user_id; scope thread needs session_id, a session of this agent (its user_id is taken from the session).',
          params: idParams,
          body: createMemoryBody,
          response: {
            200: storedMemoryView,
            201: storedMemoryView,
            ...notFound,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const stored = await memory.create(principalOf(request), request.params.id, request.body);
        return reply.code(stored.reinforced ? 200 : 201).send(stored);
      },
    );

    app.delete(
      '/agents/:id/memories',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'forgetAgentMemoryUser',
          summary: 'Forget an end user: delete every memory the agent holds about them',
          description:
            'Deletes the user memories of `user_id` and the thread memories of their sessions; returns how ' +
            'many. `user_id` is required (422 without it).',
          params: idParams,
          querystring: forgetUserQuery,
          response: { 200: forgottenUserView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => memory.forgetUser(principalOf(request), request.params.id, request.query.user_id),
    );

    app.post(
      '/agents/:id/memories/search',
      {
        onRequest: read,
        // It changes nothing: a read, however it is sent.
        config: { rateClass: 'reads' },
        schema: {
          ...common,
          operationId: 'searchAgentMemories',
          summary: 'What a turn with this message would recall, with each memory’s score and its components',
          description:
            'Searches the agent’s namespace, and the end user’s and the thread’s when user_id and session_id are ' +
            'given, scored exactly as turns score them (docs/memory.md). Nothing is reinforced.',
          params: idParams,
          body: searchMemoriesBody,
          response: { 200: memorySearchView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => memory.search(principalOf(request), request.params.id, request.body),
    );

    app.get(
      '/memories/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getMemory',
          summary: 'One memory',
          params: idParams,
          response: { 200: memoryView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => memory.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/memories/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'updateMemory',
          summary: 'Change a memory’s content, kind or metadata',
          description:
            'metadata is replaced as a whole. 409 memory_exists when the new content restates another memory of ' +
            'the same namespace (details.memory_id names it).',
          params: idParams,
          body: updateMemoryBody,
          response: { 200: memoryView, ...notFound, 409: errorBodySchema, ...standardErrorResponses },
        },
      },
      async (request) => memory.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/memories/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteMemory',
          summary: 'Delete a memory',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await memory.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
