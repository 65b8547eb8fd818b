import type { onRequestAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { AppError } from '../../platform/http/errors.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { mcpMessageBody } from './mcp-endpoint-schemas.ts';
import type { McpRequestHandler } from './mcp-transport.ts';

/** Where MCP clients connect: `<Agentry URL>/mcp`. */
export const MCP_ENDPOINT_PATH = '/mcp';

/**
 * The guard, plus the challenge HTTP asks of a 401 (RFC 9110): MCP clients read
 * `WWW-Authenticate` to learn that a bearer credential is wanted.
 */
function withBearerChallenge(guard: onRequestAsyncHookHandler): onRequestAsyncHookHandler {
  return async function requireBearer(request, reply) {
    try {
      await guard.call(this, request, reply);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) {
        // RFC 6750: an expired token is an invalid_token too.
        const invalid = ['invalid_token', 'token_expired'].includes(error.code)
          ? ', error="invalid_token"'
          : '';
        reply.header('www-authenticate', `Bearer realm="agentry"${invalid}`);
      }
      throw error;
    }
  };
}

/** The transport requires both (MCP streamable HTTP); refused here so that the body is Agentry's. */
function requireMcpAccept(accept: string | undefined) {
  if (accept?.includes('application/json') && accept.includes('text/event-stream')) return;
  throw new AppError(
    'not_acceptable',
    'An MCP client must accept both application/json and text/event-stream (Accept header)',
    { status: 406 },
  );
}

const description = [
  'Agentry’s agents as an MCP server (Model Context Protocol, streamable HTTP transport, stateless:',
  'no session id). Each active agent your credential may use is a tool `ask_<agent>`, and each',
  'active assignment of a task definition is a typed tool `run_<task>_<agent>` (docs/mcp-endpoint.md).',
  'Listing tools needs agents:read, calling one agents:execute: a call the role may not make, or',
  'whose turn fails, answers a tool result with `isError: true`. Every request counts against the',
  '`execution` rate limit. The answer to a request is an event stream with one JSON-RPC response',
  '(progress notifications before it when the request has a progressToken); a notification is',
  'accepted with 202. GET and DELETE answer 405: the server keeps no sessions and no stream.',
].join(' ');

/** POST /mcp, and the 405 the MCP transport specification asks of GET and DELETE on a stateless server. */
export const mcpEndpointRoutes =
  (answer: McpRequestHandler, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      MCP_ENDPOINT_PATH,
      {
        onRequest: withBearerChallenge(guard('agents:read')),
        config: { rateClass: 'execution' },
        schema: {
          tags: ['mcp'],
          security: bearerSecurity,
          operationId: 'postMcpMessage',
          summary: 'Talk to your agents over the Model Context Protocol',
          description,
          body: mcpMessageBody,
          response: {
            200: {
              description: 'The JSON-RPC response, as Server-Sent Events (`event: message`)',
              content: { 'text/event-stream': { schema: z.string() } },
            },
            202: z.null().describe('A notification (or a response), accepted; no body'),
            401: errorBodySchema.describe(
              'Missing, invalid, expired or revoked credentials; with `WWW-Authenticate: Bearer`',
            ),
            406: errorBodySchema.describe('The Accept header lacks application/json or text/event-stream'),
            422: errorBodySchema.describe('The body is not one JSON-RPC 2.0 message'),
          },
        },
      },
      async (request, reply) => {
        requireMcpAccept(request.headers.accept);
        await answer(principalOf(request), request, reply);
        return reply;
      },
    );

    for (const method of ['GET', 'DELETE'] as const) {
      app.route({
        method,
        url: MCP_ENDPOINT_PATH,
        schema: { hide: true },
        handler: async (_request, reply) => {
          reply.header('allow', 'POST');
          throw new AppError(
            'method_not_allowed',
            'This MCP server is stateless: it has no event stream to open (GET) and no session to end (DELETE); send POST',
            { status: 405 },
          );
        },
      });
    }
  };
