import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * A multipart form the route reads as a stream itself: described in the document as its
     * `multipart/form-data` request body, never validated or buffered by Fastify.
     */
    multipart?: ZodType;
  }
}

/** The zod transform, plus the multipart form of the routes that declare one. */
const transform: typeof jsonSchemaTransform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const form = input.schema.multipart;
  if (!form) return transformed;
  const { multipart: _documentedBelow, ...schema } = transformed.schema as Record<string, unknown>;
  return {
    ...transformed,
    schema: { ...schema, consumes: ['multipart/form-data'], body: z.toJSONSchema(form, { io: 'input' }) },
  };
};

/** OpenAPI 3.1 generated from the route schemas, at /openapi.json, with Swagger UI at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Agentry API',
        version,
        description:
          'Self-hosted platform for fleets of AI agents. Errors share one body (`Error`); every response carries X-Request-ID.',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An access token from /api/v1/auth/login or an API key (agk_...)',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The operator’s METRICS_TOKEN setting, for GET /metrics only (docs/metrics.md)',
          },
        },
      },
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true, operationId: 'getOpenApiDocument' } }, async () =>
    app.swagger(),
  );
}
