import type { FastifyInstance } from 'fastify';

/**
 * Lets `app.close()` end as soon as the in-flight requests are answered. Node closes the
 * keep-alive connections that are idle when the server closes, but a connection whose response
 * finishes later stays open until its client leaves or keepAliveTimeout passes (72 s); so while
 * the server closes, every response that finishes closes the connections then idle.
 */
export function closeConnectionsOnceIdle(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.server.on('request', (_request, response) => {
    response.once('close', () => {
      if (closing) app.server.closeIdleConnections();
    });
  });
}
