import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DatabaseHandle } from '../../platform/db/database.ts';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { AppError } from '../../platform/http/errors.ts';

export const healthRoutes =
  (database: Pick<DatabaseHandle, 'ping' | 'kind'>): FastifyPluginAsyncZod =>
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
          summary: 'Readiness: the database answers',
          response: {
            200: z
              .object({ status: z.literal('ready'), database: z.enum(['pglite', 'postgres']) })
              .meta({ example: { status: 'ready', database: 'postgres' } }),
            503: errorBodySchema,
          },
        },
      },
      async (request) => {
        try {
          await database.ping();
        } catch (error) {
          request.log.warn({ err: error }, 'readiness check: database unreachable');
          throw new AppError('not_ready', 'The database is not reachable', {
            status: 503,
            category: 'third_party',
          });
        }
        return { status: 'ready' as const, database: database.kind };
      },
    );
  };
