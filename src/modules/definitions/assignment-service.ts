import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { AppError, ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import * as repository from './assignment-repository.ts';
import type { AssignmentView, CreateAssignmentBody } from './assignment-schemas.ts';
import { findDefinitionOrganization, lockDefinition } from './definition-repository.ts';

/** The provider an agent's turns use, as the providers module describes it (403/404 when it is gone). */
export type DescribeProvider = (
  principal: Principal,
  providerId: string | null,
) => Promise<{ name: string; type: string }>;

/** The agent as its reader may see it (403/404), from the agents module. */
export type RequireAgent = (principal: Principal, agentId: string) => Promise<unknown>;

/**
 * Agent-task assignments (seed 003 AgentTaskAssignment): one live assignment per agent and task
 * definition, both of the caller's organization. Lists show the agent's name, the definition's
 * name and the provider the agent's turns use.
 */
export function createAssignmentService({
  db,
  requireAgent,
  requireDefinition,
  describeProvider,
}: {
  db: Database;
  requireAgent: RequireAgent;
  /** The task definition as its reader may see it (403/404). */
  requireDefinition: (principal: Principal, definitionId: string) => Promise<unknown>;
  describeProvider: DescribeProvider;
}) {
  /** Each distinct provider of a page described once; a provider that is gone shows as null. */
  async function toViews(principal: Principal, rows: repository.AssignmentDetailRow[]) {
    const providers = new Map<string | null, Promise<{ name: string; type: string } | null>>();
    for (const row of rows) {
      if (!providers.has(row.agentProviderId)) {
        const described = describeProvider(principal, row.agentProviderId).catch((error: unknown) => {
          if (error instanceof AppError && error.status < 500) return null;
          throw error;
        });
        providers.set(row.agentProviderId, described);
      }
    }
    return Promise.all(
      rows.map(async (row): Promise<AssignmentView> => {
        const provider = await providers.get(row.agentProviderId);
        return {
          id: row.id,
          organization_id: row.organizationId,
          agent_id: row.agentId,
          task_definition_id: row.taskDefinitionId,
          is_active: row.isActive,
          assigned_at: row.assignedAt.toISOString(),
          updated_at: row.updatedAt.toISOString(),
          agent_name: row.agentName,
          task_name: row.taskName,
          provider_name: provider?.name ?? null,
          provider_type: provider?.type ?? null,
        };
      }),
    );
  }

  async function requireAssignment(principal: Principal, assignmentId: string) {
    return requireInScope(
      await repository.findAssignmentDetail(db, principal, assignmentId),
      'Assignment',
      () => repository.findAssignmentOrganization(db, assignmentId),
    );
  }

  async function view(principal: Principal, assignmentId: string): Promise<AssignmentView> {
    const [assigned] = await toViews(principal, [await requireAssignment(principal, assignmentId)]);
    return assigned as AssignmentView;
  }

  async function list(principal: Principal, filters: repository.AssignmentFilters, page: Page) {
    const { rows, total } = await repository.listAssignments(db, principal, filters, page);
    return { items: await toViews(principal, rows), total };
  }

  return {
    requireAssignment,

    /** 201; 409 task_definition_already_assigned when the pair has a live assignment. */
    async create(principal: Principal, agentId: string, body: CreateAssignmentBody): Promise<AssignmentView> {
      requirePermission(principal, 'agents:write');
      await requireAgent(principal, agentId);
      const definitionId = (body.task_definition_id ?? body.task_id) as string;
      const assignmentId = uuidv7();
      await db.transaction(async (tx) => {
        // Shared: a concurrent deletion of the definition waits for this assignment, and sees it.
        await requireInScope(
          await lockDefinition(tx, principal, definitionId, 'share'),
          'Task definition',
          () => findDefinitionOrganization(tx, definitionId),
        );
        const inserted = await repository.insertAssignment(tx, {
          id: assignmentId,
          organizationId: principal.organizationId,
          agentId,
          taskDefinitionId: definitionId,
          isActive: body.is_active ?? true,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        });
        if (!inserted) {
          throw new ConflictError(
            'task_definition_already_assigned',
            'The agent already has an assignment of this task definition',
            { agent_id: agentId, task_definition_id: definitionId },
          );
        }
      });
      return view(principal, assignmentId);
    },

    get: view,

    async listOfAgent(principal: Principal, agentId: string, activeOnly: boolean | undefined, page: Page) {
      await requireAgent(principal, agentId);
      return list(principal, { agentId, activeOnly }, page);
    },

    async listOfDefinition(
      principal: Principal,
      definitionId: string,
      activeOnly: boolean | undefined,
      page: Page,
    ) {
      await requireDefinition(principal, definitionId);
      return list(principal, { taskDefinitionId: definitionId, activeOnly }, page);
    },

    list,

    async setActive(principal: Principal, assignmentId: string, isActive: boolean): Promise<AssignmentView> {
      requirePermission(principal, 'agents:write');
      await requireAssignment(principal, assignmentId);
      if (!(await repository.setAssignmentActive(db, principal, assignmentId, isActive))) {
        throw new NotFoundError('Assignment');
      }
      return view(principal, assignmentId);
    },

    /** Removes the pair's assignment (soft); 404 when the agent does not hold one. */
    async unassign(principal: Principal, agentId: string, definitionId: string): Promise<void> {
      requirePermission(principal, 'agents:write');
      await requireAgent(principal, agentId);
      if (!(await repository.softDeletePair(db, principal, agentId, definitionId))) {
        throw new NotFoundError('Assignment');
      }
    },
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
