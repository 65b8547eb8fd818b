import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import { assertAnswerSchema } from '../../platform/llm/json-schema-validator.ts';
import { type Principal, requirePermission } from '../tenancy/index.ts';
import { countActiveAssignments, softDeleteAssignmentsOf } from './assignment-repository.ts';
import * as repository from './definition-repository.ts';
import type {
  CreateDefinitionBody,
  DefinitionView,
  ListDefinitionsQuery,
  UpdateDefinitionBody,
  VersionView,
} from './definition-schemas.ts';
import type { DefinitionSnapshot } from './definition-tables.ts';
import { changedFields, snapshotChecksum, snapshotFields } from './definition-versioning.ts';
import { snapshotOf, toDefinitionView, toVersionView } from './definition-views.ts';

/** Who changes a definition, why, and at which version they believe it is. */
export interface DefinitionChangeContext {
  principal: Principal;
  changeReason?: string | undefined;
  expectedVersion?: number | undefined;
}

const nameTaken = (name: string) =>
  new ConflictError(
    'task_definition_name_taken',
    `The organization already has a task definition named "${name}"`,
    {
      name,
    },
  );

/** The immutable version row of `snapshot`, the definition's state at `version`. */
const versionRow = (
  definition: { id: string; organizationId: string },
  context: DefinitionChangeContext,
  entry: { version: number; snapshot: DefinitionSnapshot; changed: string[]; at: Date },
) => ({
  id: uuidv7(),
  organizationId: definition.organizationId,
  taskDefinitionId: definition.id,
  version: entry.version,
  snapshot: entry.snapshot,
  checksum: snapshotChecksum(entry.snapshot),
  changeType: entry.version === 1 ? ('created' as const) : ('updated' as const),
  changedFields: entry.changed,
  changeReason: context.changeReason ?? null,
  createdByUserId: context.principal.userId,
  createdByApiKeyId: context.principal.apiKeyId,
  createdAt: entry.at,
});

/**
 * Task definitions (seed 003 TaskConfig): instructions and a JSON Schema checked with ajv when
 * written, versioned like agents (every change appends an immutable version). A definition is
 * deleted softly, and only once no live agent holds an active assignment of it.
 */
export function createDefinitionService({ db }: { db: Database }) {
  async function requireDefinition(executor: Executor, principal: Principal, definitionId: string) {
    return requireInScope(
      await repository.findDefinition(executor, principal, definitionId),
      'Task definition',
      () => repository.findDefinitionOrganization(executor, definitionId),
    );
  }

  async function requireLocked(tx: Executor, principal: Principal, definitionId: string) {
    return requireInScope(
      await repository.lockDefinition(tx, principal, definitionId, 'update'),
      'Task definition',
      () => repository.findDefinitionOrganization(tx, definitionId),
    );
  }

  return {
    async create(context: DefinitionChangeContext, body: CreateDefinitionBody): Promise<DefinitionView> {
      const { principal } = context;
      requirePermission(principal, 'agents:write');
      assertAnswerSchema(body.response_schema, 'response_schema');
      const at = new Date();
      return db.transaction(async (tx) => {
        const row = await repository.insertDefinition(tx, {
          id: uuidv7(),
          organizationId: principal.organizationId,
          name: body.name,
          description: body.description ?? null,
          instructions: body.instructions ?? null,
          responseSchema: body.response_schema,
          isActive: body.is_active ?? true,
          version: 1,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
          createdAt: at,
          updatedAt: at,
        });
        if (!row) throw nameTaken(body.name);
        const snapshot = snapshotOf(row);
        await repository.insertVersion(
          tx,
          versionRow(row, context, { version: 1, snapshot, changed: [...snapshotFields], at }),
        );
        return toDefinitionView(row);
      });
    },

    async list(principal: Principal, query: ListDefinitionsQuery) {
      const { limit, offset, active_only, search } = query;
      const filters = { activeOnly: active_only, search };
      const { rows, total } = await repository.listDefinitions(db, principal, filters, { limit, offset });
      return { items: rows.map(toDefinitionView), total };
    },

    get: async (principal: Principal, definitionId: string): Promise<DefinitionView> =>
      toDefinitionView(await requireDefinition(db, principal, definitionId)),

    /**
     * PUT and PATCH: the given fields change; a change appends a version, a request that changes
     * nothing answers the definition as it is.
     */
    async update(
      context: DefinitionChangeContext,
      definitionId: string,
      body: UpdateDefinitionBody,
    ): Promise<DefinitionView> {
      const { principal } = context;
      requirePermission(principal, 'agents:write');
      if (body.response_schema !== undefined) assertAnswerSchema(body.response_schema, 'response_schema');
      try {
        return await db.transaction(async (tx) => {
          const current = await requireLocked(tx, principal, definitionId);
          if (context.expectedVersion !== undefined && context.expectedVersion !== current.version) {
            throw new ConflictError(
              'version_conflict',
              `The task definition is at version ${current.version}, not ${context.expectedVersion}`,
              { current_version: current.version },
            );
          }
          const before = snapshotOf(current);
          const after: DefinitionSnapshot = {
            name: body.name ?? before.name,
            description: body.description !== undefined ? body.description : before.description,
            instructions: body.instructions !== undefined ? body.instructions : before.instructions,
            response_schema: body.response_schema ?? before.response_schema,
            is_active: body.is_active ?? before.is_active,
          };
          const changed = changedFields(before, after);
          if (changed.length === 0) return toDefinitionView(current);
          const at = new Date();
          const version = current.version + 1;
          const row = await repository.updateDefinition(
            tx,
            principal,
            definitionId,
            {
              name: after.name,
              description: after.description,
              instructions: after.instructions,
              responseSchema: after.response_schema,
              isActive: after.is_active,
              version,
            },
            at,
          );
          if (!row) throw new NotFoundError('Task definition');
          await repository.insertVersion(
            tx,
            versionRow(row, context, { version, snapshot: after, changed, at }),
          );
          return toDefinitionView(row);
        });
      } catch (error) {
        if (body.name !== undefined && isUniqueViolation(error)) throw nameTaken(body.name);
        throw error;
      }
    },

    /**
     * Soft delete: refused (409 task_definition_in_use) while a live agent holds an active
     * assignment of it; its inactive assignments go with it. Its versions stay, for the runs that
     * name them.
     */
    async remove(principal: Principal, definitionId: string): Promise<void> {
      requirePermission(principal, 'agents:write');
      await db.transaction(async (tx) => {
        await requireLocked(tx, principal, definitionId);
        const active = await countActiveAssignments(tx, principal, definitionId);
        if (active > 0) {
          throw new ConflictError(
            'task_definition_in_use',
            `${active} active assignment(s) use this task definition: deactivate or remove them first`,
            { active_assignments: active },
          );
        }
        const at = new Date();
        await softDeleteAssignmentsOf(tx, principal, definitionId, at);
        await repository.softDeleteDefinition(tx, principal, definitionId, at);
      });
    },

    async listVersions(principal: Principal, definitionId: string, page: Page) {
      await requireDefinition(db, principal, definitionId);
      const { rows, total } = await repository.listVersions(db, principal, definitionId, page);
      return { items: rows.map(toVersionView), total };
    },

    async getVersion(principal: Principal, definitionId: string, version: number): Promise<VersionView> {
      await requireDefinition(db, principal, definitionId);
      const row = await repository.findVersion(db, principal, definitionId, version);
      if (!row) throw new NotFoundError(`Version ${version}`);
      return toVersionView(row);
    },
  };
}

export type DefinitionService = ReturnType<typeof createDefinitionService>;
