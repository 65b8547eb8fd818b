import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import { requireContext, requireLockedContext } from './context-lookup.ts';
import * as repository from './context-repository.ts';
import type { ContextShareView } from './context-schemas.ts';
import type { RequireAgent } from './context-service.ts';
import type { ContextAccess } from './context-tables.ts';
import { toShareView } from './context-views.ts';
import type { ContextWrites } from './context-writes.ts';

export const CONTEXT_SHARED = 'context-shared';
export const CONTEXT_UNSHARED = 'context-unshared';

/**
 * Sharing a context with other agents of the organization: `read` puts it in their prompt and
 * lets their read_context tool read it, `read_write` also lets their write_context tool write it.
 * The owner always has both; a share with the owner is refused.
 */
export function createContextShareService({
  db,
  writes,
  events,
  requireAgent,
}: {
  db: Database;
  writes: ContextWrites;
  events: Pick<EventPublisher, 'publish'>;
  requireAgent: RequireAgent;
}) {
  return {
    async share(
      principal: Principal,
      contextId: string,
      agentId: string,
      access: ContextAccess,
    ): Promise<ContextShareView> {
      requirePermission(principal, 'agents:write');
      // The context first: another organization's context answers 403 whatever the agent.
      await requireContext(db, principal, contextId);
      await requireAgent(principal, agentId);
      return writes.committing(principal.organizationId, async (tx) => {
        const context = await requireLockedContext(tx, principal, contextId);
        if (context.agentId === agentId) {
          throw new ValidationError('A context cannot be shared with the agent that owns it', [
            {
              field: 'agent_id',
              location: 'params',
              value: agentId,
              message: 'is the owner, which always reads and writes its contexts',
            },
          ]);
        }
        const share = await repository.upsertShare(tx, {
          organizationId: context.organizationId,
          contextId: context.id,
          agentId,
          access,
          createdAt: new Date(),
        });
        await events.publish(
          {
            type: CONTEXT_SHARED,
            organization_id: context.organizationId,
            data: {
              context_id: context.id,
              agent_id: context.agentId,
              shared_with_agent_id: agentId,
              access,
            },
          },
          { tx },
        );
        return toShareView(share);
      });
    },

    async unshare(principal: Principal, contextId: string, agentId: string): Promise<void> {
      requirePermission(principal, 'agents:write');
      await writes.committing(principal.organizationId, async (tx) => {
        const context = await requireLockedContext(tx, principal, contextId);
        const removed = await repository.deleteShare(tx, principal, context.id, agentId);
        if (!removed) throw new NotFoundError('Share');
        await events.publish(
          {
            type: CONTEXT_UNSHARED,
            organization_id: context.organizationId,
            data: { context_id: context.id, agent_id: context.agentId, shared_with_agent_id: agentId },
          },
          { tx },
        );
      });
    },

    async list(principal: Principal, contextId: string, page: Page) {
      await requireContext(db, principal, contextId);
      const { rows, total } = await repository.listShares(db, principal, contextId, page);
      return { items: rows.map(toShareView), total };
    },
  };
}

export type ContextShareService = ReturnType<typeof createContextShareService>;
