import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createMessageBody,
  feedbackBody,
  listMessagesQuery,
  messageListView,
  messageView,
  updateMessageBody,
} from './message-schemas.ts';
import type { MessageService } from './message-service.ts';

export const messageRoutes =
  (messages: MessageService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['messages'], security: bearerSecurity };
    const read = guard('sessions:read');
    const write = guard('sessions:write');
    const notFound = { 404: errorBodySchema };

    app.post(
      '/sessions/:id/messages',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createMessage',
          summary: 'Add a message to a session',
          description:
            'The session’s message_count and last_activity change in the same transaction. A parent_message_id of another session is a 400.',
          params: idParams,
          body: createMessageBody,
          response: { 201: messageView, 400: errorBodySchema, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await messages.post(principalOf(request), request.params.id, request.body)),
    );

    app.get(
      '/sessions/:id/messages',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listSessionMessages',
          summary: 'List a session’s messages, oldest first',
          description:
            'Paginated with limit/offset; X-Total-Count holds the total. `search` is full-text; matches stay in chronological order.',
          params: idParams,
          querystring: listMessagesQuery,
          response: { 200: messageListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { items, total } = await messages.list(principalOf(request), request.params.id, request.query);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/messages/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getMessage',
          summary: 'Get a message',
          params: idParams,
          response: { 200: messageView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => messages.get(principalOf(request), request.params.id),
    );

    app.put(
      '/messages/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'updateMessage',
          summary: 'Update a message’s content or metadata (partial)',
          description:
            'Changes the given `content` and/or `metadata` (replaced as a whole). `role` may be sent, as seed 004 sends a whole CreateMessageRequest, but only as the message’s current role: a message’s role cannot change (422 naming `role`).',
          params: idParams,
          body: updateMessageBody,
          response: { 200: messageView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => messages.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/messages/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteMessage',
          summary: 'Delete a message (soft); the session’s message_count drops by one',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await messages.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/messages/:id/feedback',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'rateMessage',
          summary: 'Rate a message: score from -1 (thumbs down) to 1 (thumbs up), with an optional reason',
          params: idParams,
          body: feedbackBody,
          response: { 200: messageView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => messages.feedback(principalOf(request), request.params.id, request.body),
    );
  };
