import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { openAiErrorBodySchema } from '../../platform/http/openai-error-body.ts';
import { findPrincipal } from '../tenancy/index.ts';
import { RateLimitedError } from './limit-errors.ts';
import type { LimitSettings, OrganizationTier } from './limit-settings.ts';
import type { OrganizationTiers } from './organization-tiers.ts';
import { type RouteClass, routeClassOf } from './route-class.ts';
import type { SharedRateCounter } from './shared-rate-counter.ts';
import type { RateDecision } from './sliding-window.ts';

const refusal =
  'Too many requests: a rate limit (rate_limited, with RateLimit-* headers), a sign-in lock (sign_in_locked) or a cap on concurrent turns or streams (concurrency_limited, stream_limited); see Retry-After';

/**
 * Limited routes are those that take credentials (their schema names a security scheme) and the
 * anonymous `auth` routes: their OpenAPI document lists the 429.
 */
function documentRefusal(route: RouteOptions, openAiCompatiblePrefix: string) {
  const schema = route.schema as
    | { security?: unknown; response?: Record<string | number, unknown> }
    | undefined;
  const limited = schema?.security !== undefined || route.config?.rateClass === 'auth';
  if (!limited || !schema?.response) return;
  const body = route.url.startsWith(openAiCompatiblePrefix) ? openAiErrorBodySchema : errorBodySchema;
  schema.response[429] ??= body.describe(refusal);
}

/** The RateLimit headers, on every answer; a refusal when the budget is spent. */
function answer(
  reply: FastifyReply,
  decision: RateDecision,
  routeClass: RouteClass,
  tier: OrganizationTier | null,
) {
  reply.header('ratelimit-limit', String(decision.limit));
  reply.header('ratelimit-remaining', String(decision.remaining));
  reply.header('ratelimit-reset', String(decision.resetSeconds));
  if (!decision.allowed)
    throw new RateLimitedError(routeClass, decision.limit, decision.retryAfterSeconds, tier);
}

/** Lists the 429 in the OpenAPI document of every limited route. Must be registered before the routes. */
export function documentRateLimits(app: FastifyInstance, openAiCompatiblePrefix: string) {
  app.addHook('onRoute', (route) => documentRefusal(route, openAiCompatiblePrefix));
}

/**
 * Counts every request of a limited route against its budget (docs/limits.md): the caller's
 * organization's, by route class and tier, once the route's guard has let it in (so before the
 * body is parsed); the client address's for the anonymous `auth` routes. Other anonymous routes
 * (health probes, the OpenAPI document) are not limited. Must be registered before the routes.
 */
export function registerRateLimits(
  app: FastifyInstance,
  options: {
    counter: SharedRateCounter;
    tiers: OrganizationTiers;
    settings: LimitSettings;
    /** Refuses an execution at once when its organization runs all the turns it may. */
    refuseExecutionWhenFull(organizationId: string, tier: OrganizationTier): void;
  },
) {
  const { counter, tiers, settings } = options;
  app.addHook('preParsing', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.routeOptions.url) return;
    const routeClass = routeClassOf(request.method, request.routeOptions.config.rateClass);
    if (routeClass === 'auth') {
      answer(reply, counter.take(`address:${request.ip}:auth`, settings.authPerMinute), routeClass, null);
      return;
    }
    const principal = findPrincipal(request);
    if (!principal) return;
    const tier = await tiers.tierOf(principal.organizationId);
    const key = `organization:${principal.organizationId}:${routeClass}`;
    answer(reply, counter.take(key, settings.perMinute[routeClass][tier]), routeClass, tier);
    if (routeClass === 'execution') options.refuseExecutionWhenFull(principal.organizationId, tier);
  });
}
