import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DatabaseHandle } from '../../platform/db/database.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../platform/http/database-unavailable-error.ts';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { AppError } from '../../platform/http/errors.ts';

/** What readiness depends on: the database answering, and live events being received from it. */
type Dependency = 'database' | 'events';

const unavailableMessages: Record<Dependency, string> = {
  database: 'the database is not reachable',
  events: 'live events are not received (the connection listening for them is being restored)',
};

export const healthRoutes =
  (
    database: Pick<DatabaseHandle, 'ping' | 'kind'>,
    events: Pick<EventBus, 'listening'>,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['health'],
          operationId: 'getLiveness',
          summary: 'Liveness: the process answers',
          response: { 200: z.object({ status: z.literal('ok') }).meta({ example: { status: 'ok' } }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/health/ready',
      {
        schema: {
          tags: ['health'],
          operationId: 'getReadiness',
          summary: 'Readiness: the database answers and live events are received',
          description:
            'For load balancers: 503 while the database cannot be reached or the connection that receives live events is being restored (`details.unavailable` names which), with Retry-After; 200 again as soon as both are back.',
          response: {
            200: z
              .object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) })
              .meta({ example: { status: 'ready', database: 'postgres' } }),
            503: errorBodySchema.describe(
              'Not ready (code not_ready): details.unavailable lists database and/or events',
            ),
          },
        },
      },
      async () => {
        const unavailable: Dependency[] = [];
        const databaseError = await database.ping().then(
          () => undefined,
          (error: unknown) => error,
        );
        if (databaseError !== undefined) unavailable.push('database');
        if (!events.listening) unavailable.push('events');
        if (unavailable.length > 0) {
          const reasons = unavailable.map((dependency) => unavailableMessages[dependency]).join(', and ');
          throw new AppError('not_ready', `Not ready: ${reasons}`, {
            status: 503,
            category: 'third_party',
            details: { unavailable },
            retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
            cause: databaseError,
          });
        }
        return { status: 'ready' as const, database: database.kind };
      },
    );
  };
