import type { Database, Executor } from '../../platform/db/database.ts';
import { isForeignKeyViolation } from '../../platform/db/errors.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { projectFor, unknownProjectError } from '../tenancy/index.ts';
import type { AgentWriteInput } from './agent-input.ts';
import { type ChangeContext, historyRecord } from './agent-records.ts';
import * as repository from './agent-repository.ts';
import type { AgentService } from './agent-service.ts';

/**
 * Rows of other modules that carry their agent's project (its sessions, its contexts): moved in
 * the transaction that moves the agent, so that they stay in their agent's project.
 */
export type AgentMoveFollower = (
  tx: Executor,
  scope: TenantScope,
  move: { agentId: string; projectId: string | null },
) => Promise<void>;

/**
 * Updates of an agent that may move it to another project (`project_id` in PUT/PATCH). The project
 * is not part of the configuration: a move appends no version, only a `project_change` history
 * row, and its followers (sessions, contexts) move with it.
 */
export function createAgentMoves({
  db,
  events,
  agents,
}: {
  db: Database;
  events: Pick<EventPublisher, 'publish'>;
  agents: Pick<AgentService, 'update' | 'get' | 'lockForChange'>;
}) {
  const followers: AgentMoveFollower[] = [];

  async function move(agentId: string, projectId: string | null, context: ChangeContext) {
    const moved = db.transaction(async (tx) => {
      const row = await agents.lockForChange(tx, context, agentId);
      if (row.projectId === projectId) return;
      const at = new Date();
      const history = historyRecord(row, context, at, {
        changeType: 'project_change',
        field: 'project_id',
        oldValue: row.projectId,
        newValue: projectId,
        version: row.version,
      });
      await repository.writeChange(tx, context.principal, {
        agentId: row.id,
        version: null,
        history: [history],
        agent: { projectId, updatedAt: at },
      });
      for (const follow of followers) await follow(tx, context.principal, { agentId: row.id, projectId });
      // Every process's turn cache drops the agent when this arrives (agent-turn-cache.ts).
      await events.publish(
        {
          type: 'agent-updated',
          organization_id: row.organizationId,
          data: {
            agent_id: row.id,
            version: row.version,
            changed_fields: ['project_id'],
            change_type: 'project_change',
          },
        },
        { tx },
      );
    });
    await moved.catch((error: unknown) => {
      // The project was deleted since it was checked.
      if (isForeignKeyViolation(error)) throw unknownProjectError('project_id', projectId);
      throw error;
    });
  }

  return {
    /** Adds rows that move with their agent. */
    follow(follower: AgentMoveFollower) {
      followers.push(follower);
    },

    /**
     * PUT and PATCH of an agent. The target project is checked first (403 for a project-scoped
     * caller naming another, 422 for a project not of the organization), then the configuration
     * change applies (or fails: nothing moved), then the move.
     */
    async update(
      agentId: string,
      input: AgentWriteInput & { project_id?: string | null },
      context: ChangeContext,
    ) {
      const { project_id, ...changes } = input;
      if (project_id === undefined) return agents.update(agentId, changes, context);
      const target = await projectFor(db, context.principal, project_id);
      const updated = await agents.update(agentId, changes, context);
      if (updated.project_id === target) return updated;
      await move(agentId, target, context);
      return { ...(await agents.get(context.principal, agentId)), warnings: updated.warnings };
    },
  };
}

export type AgentMoves = ReturnType<typeof createAgentMoves>;
