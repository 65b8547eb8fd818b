import type { Database, Executor } from '../../platform/db/database.ts';
import { isForeignKeyViolation, isUniqueViolation, violatedConstraint } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { ConflictError } from '../../platform/http/errors.ts';
import type { Principal } from './principal.ts';
import * as repository from './project-repository.ts';
import type { CreateProjectBody, ProjectView, UpdateProjectBody } from './project-schemas.ts';
import { toProjectView } from './tenancy-views.ts';

/**
 * What a module keeps in projects (agents, sessions, files, API keys): how many of a project's rows
 * are live, and how to let go of its rows that are gone (deleted, revoked), whose foreign keys
 * would otherwise keep the project from being deleted.
 */
export interface ProjectMembers {
  /** As the refusal names them: `agents`, `sessions`, `files`, `api_keys`. */
  resource: string;
  countLive(executor: Executor, scope: TenantScope, projectId: string): Promise<number>;
  releaseGone?(executor: Executor, scope: TenantScope, projectId: string): Promise<void>;
}

const nameTaken = (name: string) =>
  new ConflictError('project_name_taken', `The organization already has a project named "${name}"`, {
    name,
  });

/** `held`: how many of each resource the project holds (null: some, not counted). */
const notEmpty = (held: Record<string, number | null>) =>
  new ConflictError(
    'project_not_empty',
    `The project still holds ${Object.entries(held)
      .map(([resource, count]) => `${count ?? 'some'} ${resource}`)
      .join(', ')}: delete them or move them out first`,
    { still_in_project: held },
  );

/** The rows a foreign key found still naming the project: its table, from the constraint's name. */
const holderOf = (error: unknown) =>
  violatedConstraint(error)?.replace(/_project_id_projects_id_fk$/, '') ?? 'resources';

/**
 * Projects of an organization (seed 002 workspace/project): created, renamed and deleted by an
 * organization-wide org_admin; a project-scoped caller sees its own project only. A project is
 * deleted only once nothing live belongs to it.
 */
export function createProjectService({ db, members }: { db: Database; members: readonly ProjectMembers[] }) {
  async function requireProject(principal: Principal, projectId: string) {
    return requireInScope(await repository.findProject(db, principal, projectId), 'Project', () =>
      repository.findProjectOrganization(db, projectId),
    );
  }

  return {
    async create(principal: Principal, body: CreateProjectBody): Promise<ProjectView> {
      try {
        const row = await repository.insertProject(db, {
          id: uuidv7(),
          organizationId: principal.organizationId,
          name: body.name,
          description: body.description ?? null,
          metadata: body.metadata ?? {},
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        });
        return toProjectView(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },

    async list(principal: Principal, filters: { search?: string | undefined }, page: Page) {
      const { rows, total } = await repository.listProjects(db, principal, filters, page);
      return { items: rows.map(toProjectView), total };
    },

    async get(principal: Principal, projectId: string): Promise<ProjectView> {
      return toProjectView(await requireProject(principal, projectId));
    },

    async update(principal: Principal, projectId: string, body: UpdateProjectBody): Promise<ProjectView> {
      const change: repository.ProjectChange = {};
      if (body.name !== undefined) change.name = body.name;
      if (body.description !== undefined) change.description = body.description;
      if (body.metadata !== undefined) change.metadata = body.metadata;
      if (Object.keys(change).length === 0) return toProjectView(await requireProject(principal, projectId));
      try {
        const row = await requireInScope(
          await repository.updateProject(db, principal, projectId, change),
          'Project',
          () => repository.findProjectOrganization(db, projectId),
        );
        return toProjectView(row);
      } catch (error) {
        if (body.name !== undefined && isUniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },

    /** Refused (409 project_not_empty, naming what it holds) while anything live belongs to the project. */
    async remove(principal: Principal, projectId: string): Promise<void> {
      await requireProject(principal, projectId);
      await db
        .transaction(async (tx) => {
          const held: Record<string, number> = {};
          for (const member of members) {
            const live = await member.countLive(tx, principal, projectId);
            if (live > 0) held[member.resource] = live;
          }
          if (Object.keys(held).length > 0) throw notEmpty(held);
          for (const member of members) await member.releaseGone?.(tx, principal, projectId);
          await repository.deleteProject(tx, principal, projectId);
        })
        .catch((error: unknown) => {
          // Rows of a module that counts none (or created since the count) still name the project.
          if (isForeignKeyViolation(error)) throw notEmpty({ [holderOf(error)]: null });
          throw error;
        });
    },
  };
}

export type ProjectService = ReturnType<typeof createProjectService>;
