import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../tenancy/index.ts';
import { createMcpServer } from './mcp-server.ts';
import type { ToolCatalog } from './tool-catalog.ts';

/**
 * Answers one MCP request with a server and a transport of its own (stateless: no session id, no
 * state kept between requests), so that any API process answers any request and nothing needs
 * sharing. The transport writes the response itself, so the reply is hijacked; the headers set
 * so far (X-Request-ID, RateLimit-*) go with it. Closing the connection closes the server, which
 * aborts the tool call still running: its turn ends cancelled.
 */
export function createMcpRequestHandler(options: { catalogFor: ToolCatalog; version: string }) {
  return async function answer(principal: Principal, request: FastifyRequest, reply: FastifyReply) {
    const server = createMcpServer({ ...options, principal, log: request.log });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    reply.hijack();
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) reply.raw.setHeader(name, value);
    }
    reply.raw.once('close', () => {
      server
        .close()
        .catch((error: unknown) => request.log.warn({ err: error }, 'closing an MCP server failed'));
    });
    try {
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      // The transport answers its own failures; past the hijack nothing else can, so the
      // connection is cut rather than left hanging.
      request.log.error({ err: error }, 'MCP request failed');
      reply.raw.destroy();
    }
  };
}

export type McpRequestHandler = ReturnType<typeof createMcpRequestHandler>;
