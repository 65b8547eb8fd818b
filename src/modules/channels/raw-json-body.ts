import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from '../../platform/http/errors.ts';

const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * JSON bodies of the routes of `app` (an encapsulated plugin) kept as received as well as parsed:
 * signatures (Slack's, webhooks') are computed over the exact bytes, not over re-serialized JSON.
 */
export function keepRawJsonBodies(app: FastifyInstance) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    rawBodies.set(request, raw);
    try {
      done(null, raw === '' ? {} : JSON.parse(raw));
    } catch {
      done(new BadRequestError('bad_request', 'The body is not valid JSON'), undefined);
    }
  });
}

/** The body of a request to a route of a plugin that keeps raw bodies ('' when there was none). */
export const rawBodyOf = (request: FastifyRequest): string => rawBodies.get(request) ?? '';
