/**
 * What a route costs, for its rate limit: each class has its own budget per organization and tier
 * (`auth`: per client address). A route declares its class in its `config`, beside its
 * permission; without one, reads (GET, HEAD) are `reads` and every other method `writes`.
 */
export const routeClasses = ['auth', 'reads', 'writes', 'execution', 'uploads'] as const;
export type RouteClass = (typeof routeClasses)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's rate-limit class (docs/limits.md); by default from its HTTP method. */
    rateClass?: RouteClass;
  }
}

export function routeClassOf(method: string, declared: RouteClass | undefined): RouteClass {
  if (declared) return declared;
  return method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';
}
