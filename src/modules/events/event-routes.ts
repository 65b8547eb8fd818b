import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentryEvent, EventBus } from '../../platform/events/event-bus.ts';
import { DatabaseUnavailableError } from '../../platform/http/database-unavailable-error.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';

/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

const streamQuery = z.object({
  access_token: z
    .string()
    .max(4_096)
    .optional()
    .describe('For clients that cannot send headers (EventSource, browser WebSocket)'),
});

const sseFrame = (event: AgentryEvent) =>
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

export const eventRoutes =
  (
    bus: EventBus,
    guard: AccessGuard,
    admitStream: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['events'], security: bearerSecurity, querystring: streamQuery };
    // A stream opened while the bus cannot receive would stay silent: the client is told to retry.
    const requireListening = async () => {
      if (!bus.listening) {
        throw new DatabaseUnavailableError({
          message:
            'Live events are unavailable while the connection to the database is restored; try again shortly',
        });
      }
    };
    // The stream carries the whole organization's events: a project-scoped key is refused (403).
    const requireEvents = [
      guard('events:read', { allowQueryToken: true, organizationWide: true }),
      requireListening,
    ];
    const unavailable = {
      503: errorBodySchema.describe('Live events cannot be received at the moment; see Retry-After'),
    };
    // Endless streams would hold a closing server open: they end (and clients reconnect elsewhere).
    const openStreams = new Set<ServerResponse>();
    app.addHook('preClose', async () => {
      for (const stream of openStreams) stream.end();
    });

    app.get(
      '/events',
      {
        onRequest: requireEvents,
        preHandler: admitStream,
        schema: {
          ...common,
          operationId: 'streamEvents',
          summary: 'Live events of your organization as Server-Sent Events',
          description:
            'Each event is `event: <type>` with `data: {id, type, organization_id, data, at}` (run and provider-validation events, agent changes). Only your organization’s events are sent.',
          produces: ['text/event-stream'],
          response: {
            200: z.string().describe('An endless text/event-stream'),
            ...standardErrorResponses,
            ...unavailable,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        reply.hijack();
        const stream = reply.raw;
        stream.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': request.id,
        });
        stream.write(': connected\n\n');
        openStreams.add(stream);
        const unsubscribe = bus.subscribe(principal.organizationId, (event) => stream.write(sseFrame(event)));
        const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
        request.raw.once('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
          openStreams.delete(stream);
        });
      },
    );

    app.get(
      '/ws',
      {
        websocket: true,
        onRequest: requireEvents,
        preHandler: admitStream,
        schema: {
          ...common,
          operationId: 'openEventSocket',
          summary: 'Live events of your organization over a WebSocket',
          description:
            'Upgrade with a bearer token (header or access_token); each message is one JSON event as in /events.',
          response: {
            101: z.null().describe('Switching protocols'),
            ...standardErrorResponses,
            ...unavailable,
          },
        },
      },
      (socket, request) => {
        const principal = principalOf(request);
        const unsubscribe = bus.subscribe(principal.organizationId, (event) =>
          socket.send(JSON.stringify(event)),
        );
        const heartbeat = setInterval(() => socket.ping(), HEARTBEAT_MS);
        socket.once('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
      },
    );
  };
