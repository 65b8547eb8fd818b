import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import * as repository from './context-repository.ts';
import type { RequireAgent } from './context-service.ts';
import { assertStorableData, type ContextWrites } from './context-writes.ts';

/** An agent writing through its tool, during one of its runs. */
export interface AgentWriter {
  agentId: string;
  runId: string;
}

const readOnly = (name: string) =>
  new ForbiddenError(`The context "${name}" is shared with this agent read-only: it cannot write it`);

/**
 * Contexts as an agent reads and writes them (its prompt, its tools). The agent, not the caller,
 * is the reader: its own contexts and those shared with it, in the whole organization (a share is
 * the grant, whichever project the owner is in).
 */
export function createAgentContextAccess({
  db,
  writes,
  requireAgent,
}: {
  db: Database;
  writes: ContextWrites;
  requireAgent: RequireAgent;
}) {
  const organizationOf = (principal: Principal): TenantScope => ({
    organizationId: principal.organizationId,
  });

  return {
    /** What the agent may read, with current data, most recently written first. */
    readable: (principal: Principal, agentId: string, options: { name?: string; limit: number }) =>
      repository.readableContexts(db, organizationOf(principal), agentId, options),

    /**
     * Writes `data` as a new version of the context of that name the agent may write (its own, or
     * one shared with it read_write), or creates the agent's own context of that name at version 1.
     */
    async write(
      principal: Principal,
      writer: AgentWriter,
      name: string,
      data: Record<string, unknown>,
      changeDescription: string | undefined,
    ): Promise<{ context: repository.ContextRow; created: boolean }> {
      assertStorableData(data);
      const scope = organizationOf(principal);
      const author = { userId: null, apiKeyId: null, agentId: writer.agentId, runId: writer.runId };
      const [found] = await repository.readableContexts(db, scope, writer.agentId, { name, limit: 1 });
      if (found?.access === 'read') throw readOnly(name);
      // A new context copies its agent's project (read before the transaction: no second connection inside it).
      const projectId = found ? null : ((await requireAgent(principal, writer.agentId)).project_id ?? null);
      return writes.committing(principal.organizationId, async (tx) => {
        if (!found) {
          const created = await writes.create(tx, {
            organizationId: principal.organizationId,
            projectId,
            agentId: writer.agentId,
            name,
            data,
            changeDescription,
            author,
          });
          if (created) return { context: created, created: true };
        }
        // Found before, or created meanwhile by a concurrent write of the same name.
        const [target] = found
          ? [found]
          : await repository.readableContexts(tx, scope, writer.agentId, { name, limit: 1 });
        const locked = target && (await repository.lockContext(tx, scope, target.context.id));
        if (!locked) throw new NotFoundError(`Context "${name}"`);
        // Read again under the lock: a share changes only with the context locked.
        if (locked.agentId !== writer.agentId) {
          const access = await repository.shareAccess(tx, scope, locked.id, writer.agentId);
          if (access === undefined) throw new NotFoundError(`Context "${name}"`);
          if (access === 'read') throw readOnly(name);
        }
        const row = await writes.append(tx, scope, locked, {
          data,
          changeType: 'write',
          changeDescription,
          author,
        });
        return { context: row, created: false };
      });
    },
  };
}

export type AgentContextAccess = ReturnType<typeof createAgentContextAccess>;
