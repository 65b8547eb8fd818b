import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '../tenancy/index.ts';
import { ConcurrencyLimitedError } from './limit-errors.ts';
import type { PerTier } from './limit-settings.ts';
import type { OrganizationTiers } from './organization-tiers.ts';

/**
 * The SSE and WebSocket event streams one organization may hold open in this process, by tier
 * (429 beyond). A stream's place is taken before it opens and given back when its connection
 * closes, or when the request is answered without a stream after all.
 */
export function createEventStreamCap(tiers: OrganizationTiers, perTier: PerTier) {
  const open = new Map<string, number>();
  return async function admitEventStream(request: FastifyRequest, reply: FastifyReply) {
    const organizationId = principalOf(request).organizationId;
    const tier = await tiers.tierOf(organizationId);
    const current = open.get(organizationId) ?? 0;
    if (current >= perTier[tier]) throw new ConcurrencyLimitedError('event_streams', perTier[tier], tier);
    open.set(organizationId, current + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (open.get(organizationId) ?? 1) - 1;
      if (left > 0) open.set(organizationId, left);
      else open.delete(organizationId);
    };
    request.raw.socket.once('close', release);
    reply.raw.once('finish', release);
  };
}
