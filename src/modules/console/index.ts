import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/http/errors.ts';

/** Where `npm install` (the `prepare` script) builds the console: console/dist. */
export const consoleBuildDirectory = fileURLToPath(new URL('../../../console/dist', import.meta.url));

/**
 * Scripts and styles only from this origin, nothing inline, no frames, no plugins: a script that
 * got into a model's answer could neither run nor load another. Connections stay on this origin.
 */
export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the web console's built files at `/` (docs/console.md). The console routes by the URL's
 * fragment (`/#/agents/...`), so the server needs no fallback route that would shadow the API's 404s.
 */
export async function registerConsole(app: FastifyInstance, directory: string | null) {
  directory ??= consoleBuildDirectory;
  if (!existsSync(`${directory}/index.html`)) {
    app.get('/', { schema: { hide: true } }, async () => {
      throw new AppError(
        'console_not_built',
        'The web console is not built: run `npm run console:build` (npm install does it), or use the API under /api/v1',
        { status: 404 },
      );
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: directory,
    prefix: '/',
    // One route per built file, found at startup: no catch-all that would answer for the API's paths.
    wildcard: false,
    // Vite writes .br and .gz twins of each asset (console/vite.config.ts).
    preCompressed: true,
    schemaHide: true,
    setHeaders(response, path) {
      response.header('content-security-policy', consoleContentSecurityPolicy);
      response.header('x-content-type-options', 'nosniff');
      response.header('referrer-policy', 'no-referrer');
      response.header('x-frame-options', 'DENY');
      // Assets carry their content's hash in their name; the page itself must be checked each time.
      response.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}
