import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import {
  requireContext,
  requireCurrent,
  requireLockedContext,
  requireVersionData,
} from './context-lookup.ts';
import * as repository from './context-repository.ts';
import type {
  ContextView,
  CreateContextBody,
  ListVersionsQuery,
  RollbackContextBody,
  WriteContextBody,
} from './context-schemas.ts';
import { toContextView, toListItem, toVersionView } from './context-views.ts';
import type { ContextAuthor, ContextWrites } from './context-writes.ts';

export const CONTEXT_DELETED = 'context-deleted';

/**
 * The agent a context belongs to, as the agents module shows it to its reader (403/404).
 * `project_id` is copied onto the context when the agent view carries it.
 */
export type RequireAgent = (
  principal: Principal,
  agentId: string,
) => Promise<{ id: string; project_id?: string | null | undefined }>;

const authorOf = (principal: Principal): ContextAuthor => ({
  userId: principal.userId,
  apiKeyId: principal.apiKeyId,
  agentId: null,
  runId: null,
});

/** Who writes through the API, the version they expect (If-Match) and why. */
export interface ContextChange {
  principal: Principal;
  expectedVersion?: number | undefined;
}

/**
 * Shared contexts over HTTP (seed 002 SharedContextService): get-or-create by name, read at any
 * retained version, write and rollback (both append a version; history is never rewritten),
 * list versions, delete.
 */
export function createContextService({
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
  const current = (row: repository.ContextRow, data: Record<string, unknown>) =>
    toContextView(row, { version: row.currentVersion, data });

  return {
    /** The agent's context of that name: created at version 1, or the existing one unchanged. */
    async create(
      principal: Principal,
      agentId: string,
      body: CreateContextBody,
    ): Promise<{ context: ContextView; created: boolean }> {
      requirePermission(principal, 'agents:write');
      const agent = await requireAgent(principal, agentId);
      return writes.committing(principal.organizationId, async (tx) => {
        const created = await writes.create(tx, {
          organizationId: principal.organizationId,
          projectId: agent.project_id ?? null,
          agentId: agent.id,
          name: body.name,
          data: body.data,
          changeDescription: body.change_description,
          author: authorOf(principal),
        });
        if (created) return { context: current(created, body.data), created: true };
        const existing = await repository.findContextByName(tx, principal, agent.id, body.name);
        if (!existing) throw new NotFoundError('Context');
        const data = await requireVersionData(tx, principal, existing, existing.currentVersion);
        return { context: current(existing, data), created: false };
      });
    },

    async list(principal: Principal, agentId: string, page: Page) {
      await requireAgent(principal, agentId);
      const { rows, total } = await repository.listAgentContexts(db, principal, agentId, page);
      return { items: rows.map(({ context, access }) => toListItem(context, access)), total };
    },

    /** The current data, or that of a retained version (404 naming what is retained otherwise). */
    async get(principal: Principal, contextId: string, version?: number): Promise<ContextView> {
      if (version === undefined) {
        const { context, data } = await requireCurrent(db, principal, contextId);
        return current(context, data);
      }
      const context = await requireContext(db, principal, contextId);
      const data = await requireVersionData(db, principal, context, version);
      return toContextView(context, { version, data });
    },

    async write(change: ContextChange, contextId: string, body: WriteContextBody): Promise<ContextView> {
      const { principal } = change;
      requirePermission(principal, 'agents:write');
      return writes.committing(principal.organizationId, async (tx) => {
        const locked = await requireLockedContext(tx, principal, contextId);
        const row = await writes.append(tx, principal, locked, {
          data: body.data,
          changeType: 'write',
          changeDescription: body.change_description,
          author: authorOf(principal),
          expectedVersion: change.expectedVersion,
        });
        return current(row, body.data);
      });
    },

    /** Appends a version whose data equals retained version `body.version`. */
    async rollback(
      change: ContextChange,
      contextId: string,
      body: RollbackContextBody,
    ): Promise<ContextView> {
      const { principal } = change;
      requirePermission(principal, 'agents:write');
      return writes.committing(principal.organizationId, async (tx) => {
        const locked = await requireLockedContext(tx, principal, contextId);
        const data = await requireVersionData(tx, principal, locked, body.version);
        const row = await writes.append(tx, principal, locked, {
          data,
          changeType: 'rollback',
          changeDescription: body.change_description ?? `Rollback to version ${body.version}`,
          restoredVersion: body.version,
          author: authorOf(principal),
          expectedVersion: change.expectedVersion,
        });
        return current(row, data);
      });
    },

    /** Deletes the context with its versions and shares. */
    async remove(principal: Principal, contextId: string): Promise<void> {
      requirePermission(principal, 'agents:write');
      await writes.committing(principal.organizationId, async (tx) => {
        const locked = await requireLockedContext(tx, principal, contextId);
        await repository.deleteContext(tx, principal, locked.id);
        await events.publish(
          {
            type: CONTEXT_DELETED,
            organization_id: locked.organizationId,
            data: { context_id: locked.id, agent_id: locked.agentId },
          },
          { tx },
        );
      });
    },

    async listVersions(principal: Principal, contextId: string, query: ListVersionsQuery) {
      await requireContext(db, principal, contextId);
      const { rows, total } = await repository.listVersions(
        db,
        principal,
        contextId,
        query,
        query.include_data ?? false,
      );
      return { items: rows.map(toVersionView), total };
    },
  };
}

export type ContextService = ReturnType<typeof createContextService>;
