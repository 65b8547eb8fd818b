import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { AccessGuard } from '../tenancy/index.ts';
import { eventRoutes } from './event-routes.ts';

export type { EventPublisher } from '../../platform/events/event-bus.ts';

/**
 * Live events to clients: SSE at /api/v1/events and a WebSocket at /api/v1/ws. `admitStream` runs
 * before a stream opens and may refuse it (the limits module's cap per organization).
 */
export async function registerEvents(
  app: FastifyInstance,
  options: {
    bus: EventBus;
    guard: AccessGuard;
    admitStream: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  },
) {
  await app.register(websocket);
  await app.register(eventRoutes(options.bus, options.guard, options.admitStream), { prefix: '/api/v1' });
}
