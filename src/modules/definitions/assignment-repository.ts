import { and, count, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { Page, PageOf } from '../../platform/db/pagination.ts';
import { inProject, inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { agents } from '../agents/agent-tables.ts';
import { agentAssignments } from './assignment-tables.ts';
import { taskDefinitions } from './definition-tables.ts';

export type AssignmentRow = typeof agentAssignments.$inferSelect;

/** An assignment with what its lists show of its agent and definition. */
export type AssignmentDetailRow = AssignmentRow & {
  agentName: string;
  /** The agent's provider_id (null: the organization's default chain). */
  agentProviderId: string | null;
  taskName: string;
};

export interface AssignmentFilters {
  activeOnly?: boolean | undefined;
  agentId?: string | undefined;
  taskDefinitionId?: string | undefined;
  /** The assignments of this project's agents (where the agent is now). */
  projectId?: string | undefined;
}

const live = (scope: TenantScope) =>
  and(inScope(agentAssignments.organizationId, scope), isNull(agentAssignments.deletedAt));

/**
 * Assignments whose agent and definition are both live: those of a deleted agent are not shown.
 * A project-scoped caller's are those of its project's agents.
 */
const withLiveParties = (scope: TenantScope) =>
  and(
    live(scope),
    isNull(agents.deletedAt),
    isNull(taskDefinitions.deletedAt),
    inScope(agents.organizationId, scope, agents.projectId),
  );

const detailColumns = {
  assignment: agentAssignments,
  agentName: agents.name,
  agentProviderId: sql<string | null>`${agents.configuration}->>'provider_id'`,
  taskName: taskDefinitions.name,
};

const detailQuery = (db: Executor) =>
  db
    .select(detailColumns)
    .from(agentAssignments)
    .innerJoin(agents, eq(agents.id, agentAssignments.agentId))
    .innerJoin(taskDefinitions, eq(taskDefinitions.id, agentAssignments.taskDefinitionId));

const countQuery = (db: Executor, where: SQL | undefined) =>
  db
    .select({ value: count() })
    .from(agentAssignments)
    .innerJoin(agents, eq(agents.id, agentAssignments.agentId))
    .innerJoin(taskDefinitions, eq(taskDefinitions.id, agentAssignments.taskDefinitionId))
    .where(where);

const toDetail = ({
  assignment,
  ...details
}: {
  assignment: AssignmentRow;
  agentName: string;
  agentProviderId: string | null;
  taskName: string;
}): AssignmentDetailRow => ({ ...assignment, ...details });

/** Undefined when the pair is already assigned (the unique index), so that the transaction goes on. */
export async function insertAssignment(tx: Executor, row: typeof agentAssignments.$inferInsert) {
  const [inserted] = await tx.insert(agentAssignments).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findAssignmentDetail(db: Executor, scope: TenantScope, assignmentId: string) {
  const [row] = await detailQuery(db).where(
    and(withLiveParties(scope), eq(agentAssignments.id, assignmentId)),
  );
  return row && toDetail(row);
}

/**
 * Unscoped: the organization of a live assignment, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findAssignmentOrganization(db: Executor, assignmentId: string) {
  const [row] = await db
    .select({ organizationId: agentAssignments.organizationId })
    .from(agentAssignments)
    .innerJoin(agents, eq(agents.id, agentAssignments.agentId))
    .innerJoin(taskDefinitions, eq(taskDefinitions.id, agentAssignments.taskDefinitionId))
    .where(
      and(
        eq(agentAssignments.id, assignmentId),
        isNull(agentAssignments.deletedAt),
        isNull(agents.deletedAt),
        isNull(taskDefinitions.deletedAt),
      ),
    );
  return row?.organizationId;
}

/** Newest first, with the agent's and the definition's names. */
export async function listAssignments(
  db: Executor,
  scope: TenantScope,
  filters: AssignmentFilters,
  page: Page,
): Promise<PageOf<AssignmentDetailRow>> {
  const conditions: (SQL | undefined)[] = [withLiveParties(scope)];
  if (filters.activeOnly) conditions.push(eq(agentAssignments.isActive, true));
  if (filters.agentId) conditions.push(eq(agentAssignments.agentId, filters.agentId));
  if (filters.taskDefinitionId)
    conditions.push(eq(agentAssignments.taskDefinitionId, filters.taskDefinitionId));
  // A project-scoped caller's rule, for the named project.
  if (filters.projectId) {
    conditions.push(inScope(agents.organizationId, inProject(scope, filters.projectId), agents.projectId));
  }
  const where = and(...conditions);
  const [rows, [total]] = await Promise.all([
    page.limit > 0
      ? detailQuery(db)
          .where(where)
          .orderBy(desc(agentAssignments.assignedAt), desc(agentAssignments.id))
          .limit(page.limit)
          .offset(page.offset)
      : Promise.resolve([]),
    countQuery(db, where),
  ]);
  return { rows: rows.map(toDetail), total: Number(total?.value ?? 0) };
}

export async function setAssignmentActive(
  tx: Executor,
  scope: TenantScope,
  assignmentId: string,
  isActive: boolean,
) {
  const [row] = await tx
    .update(agentAssignments)
    .set({ isActive, updatedAt: new Date() })
    .where(and(live(scope), eq(agentAssignments.id, assignmentId)))
    .returning({ id: agentAssignments.id });
  return row;
}

/** Removes the pair's live assignment; undefined when there is none. */
export async function softDeletePair(
  tx: Executor,
  scope: TenantScope,
  agentId: string,
  definitionId: string,
) {
  const at = new Date();
  const [row] = await tx
    .update(agentAssignments)
    .set({ deletedAt: at, updatedAt: at })
    .where(
      and(
        live(scope),
        eq(agentAssignments.agentId, agentId),
        eq(agentAssignments.taskDefinitionId, definitionId),
      ),
    )
    .returning({ id: agentAssignments.id });
  return row;
}

/** Active assignments of the definition to live agents: what a deletion of it would break. */
export async function countActiveAssignments(tx: Executor, scope: TenantScope, definitionId: string) {
  const [row] = await tx
    .select({ value: count() })
    .from(agentAssignments)
    .innerJoin(agents, eq(agents.id, agentAssignments.agentId))
    .where(
      and(
        live(scope),
        isNull(agents.deletedAt),
        eq(agentAssignments.taskDefinitionId, definitionId),
        eq(agentAssignments.isActive, true),
      ),
    );
  return Number(row?.value ?? 0);
}

export async function softDeleteAssignmentsOf(
  tx: Executor,
  scope: TenantScope,
  definitionId: string,
  at: Date,
) {
  await tx
    .update(agentAssignments)
    .set({ deletedAt: at, updatedAt: at })
    .where(and(live(scope), eq(agentAssignments.taskDefinitionId, definitionId)));
}

/**
 * The definition of an active assignment of the agent whose active definition is named `name`
 * (case-insensitively, as names are unique).
 */
export async function findActiveDefinitionByName(
  db: Executor,
  scope: TenantScope,
  agentId: string,
  name: string,
) {
  const [row] = await db
    .select({ definition: taskDefinitions })
    .from(agentAssignments)
    .innerJoin(taskDefinitions, eq(taskDefinitions.id, agentAssignments.taskDefinitionId))
    .where(
      and(
        live(scope),
        eq(agentAssignments.agentId, agentId),
        eq(agentAssignments.isActive, true),
        isNull(taskDefinitions.deletedAt),
        eq(taskDefinitions.isActive, true),
        sql`lower(${taskDefinitions.name}) = lower(${name})`,
      ),
    )
    .limit(1);
  return row?.definition;
}
