import { and, arrayContains, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agents } from './agent-tables.ts';

/**
 * Serializes the creations from one template in one organization until the transaction ends, so
 * that of two creations racing (an API request beside `agentry seed-agents`), the second sees the
 * first's agent. A transaction-scoped advisory lock: PostgreSQL releases it at commit or rollback.
 */
export async function lockTemplate(tx: Executor, organizationId: string, tag: string) {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`agent-template:${organizationId}:${tag}`}, 0))`,
  );
}

/** Whether a live agent of the scope carries the template's tag, as the agents list finds it (archived ones left out). */
export async function hasTemplateAgent(tx: Executor, scope: TenantScope, tag: string) {
  const [row] = await tx
    .select({ id: agents.id })
    .from(agents)
    .where(
      and(
        inScope(agents.organizationId, scope, agents.projectId),
        isNull(agents.deletedAt),
        ne(agents.status, 'archived'),
        arrayContains(agents.tags, [tag]),
      ),
    )
    .limit(1);
  return row !== undefined;
}
