import { and, eq, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { agents } from '../agents/agent-tables.ts';
import { type RunTrigger, runs } from '../runs/run-tables.ts';
import type { UsageGrouping } from './usage-schemas.ts';

const groupKey: Record<UsageGrouping, SQL<string | null>> = {
  day: sql<string>`to_char(${runs.startedAt} at time zone 'UTC', 'YYYY-MM-DD')`,
  agent: sql<string>`${runs.agentId}::text`,
  model: sql<string | null>`${runs.model}`,
  trigger: sql<string>`${runs.trigger}`,
};

const tokensOf = (field: string) =>
  sql<number>`coalesce(sum((${runs.usage} ->> ${field}::text)::bigint), 0)`.mapWith(Number);

export interface UsageFilters {
  from: Date;
  to: Date;
  agentId?: string | undefined;
  trigger?: RunTrigger | undefined;
}

/** The scope's runs that started in [from, to), summed by group: one pass over the runs index (organization, started_at). */
export async function usageGroups(
  db: Executor,
  scope: TenantScope,
  grouping: UsageGrouping,
  filters: UsageFilters,
) {
  const key = groupKey[grouping];
  return db
    .select({
      key,
      runs: sql<number>`count(*)`.mapWith(Number),
      inputTokens: tokensOf('input_tokens'),
      outputTokens: tokensOf('output_tokens'),
      totalTokens: tokensOf('total_tokens'),
      costUsd: sql<number>`coalesce(sum(${runs.costEstimate}), 0)`.mapWith(Number),
    })
    .from(runs)
    .where(
      and(
        eq(runs.organizationId, scope.organizationId),
        gte(runs.startedAt, filters.from),
        lt(runs.startedAt, filters.to),
        filters.agentId ? eq(runs.agentId, filters.agentId) : undefined,
        filters.trigger ? eq(runs.trigger, filters.trigger) : undefined,
      ),
    )
    .groupBy(key);
}

/** The names of the scope's agents (deleted ones too: their runs still count). */
export async function agentNames(db: Executor, scope: TenantScope, agentIds: readonly string[]) {
  if (agentIds.length === 0) return new Map<string, string>();
  const rows = await db
    .select({ id: agents.id, name: agents.name })
    .from(agents)
    .where(and(eq(agents.organizationId, scope.organizationId), inArray(agents.id, [...agentIds])));
  return new Map(rows.map((row) => [row.id, row.name]));
}
