import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AgentryEvent, EventBus } from '../../platform/events/event-bus.ts';
import { standardErrorResponses } from '../../platform/http/error-body.ts';
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
  (bus: EventBus, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['events'], security: bearerSecurity, querystring: streamQuery };
    const requireEvents = guard('events:read', { allowQueryToken: true });

    app.get(
      '/events',
      {
        onRequest: requireEvents,
        schema: {
          ...common,
          operationId: 'streamEvents',
          summary: 'Live events of your organization as Server-Sent Events',
          description:
            'Each event is `event: <type>` with `data: {id, type, organization_id, data, at}` (run and provider-validation events, agent changes). Only your organization’s events are sent.',
          produces: ['text/event-stream'],
          response: { 200: z.string().describe('An endless text/event-stream'), ...standardErrorResponses },
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
        const unsubscribe = bus.subscribe(principal.organizationId, (event) => stream.write(sseFrame(event)));
        const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), HEARTBEAT_MS);
        request.raw.once('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
      },
    );

    app.get(
      '/ws',
      {
        websocket: true,
        onRequest: requireEvents,
        schema: {
          ...common,
          operationId: 'openEventSocket',
          summary: 'Live events of your organization over a WebSocket',
          description:
            'Upgrade with a bearer token (header or access_token); each message is one JSON event as in /events.',
          response: { 101: z.null().describe('Switching protocols'), ...standardErrorResponses },
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
