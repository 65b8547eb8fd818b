import type { FastifyInstance } from 'fastify';

/**
 * The methods each declared path answers, so that a request with another method learns it used
 * the wrong method (405 and `Allow`, RFC 9110) instead of hearing that the path does not exist.
 */
export function recordRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat().map(String);
    routes.push({ pattern: patternOf(route.url ?? route.path), methods });
  });
  return (path) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of routes) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    }
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  };
}

/** A route's URL (`/api/v1/agents/:id`, `/files/*`) as a regular expression over request paths. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // The router ignores a trailing slash (POST /api/v1/agents/ is POST /api/v1/agents).
  return new RegExp(`^${source.replace(/\/$/, '')}/?$`);
}
