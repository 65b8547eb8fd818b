import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import { findActiveDefinitionByName } from './assignment-repository.ts';
import { effectiveInstructions } from './definition-versioning.ts';

/** What a turn needs of a task definition, at the version it was read. */
export interface TaskForTurn {
  instructions: string;
  responseSchema: Record<string, unknown>;
  definitionId: string;
  version: number;
}

export type ResolveForTask = (
  scope: TenantScope,
  agentId: string,
  taskType: string,
) => Promise<TaskForTurn | null>;

/**
 * For autonomous tasks (DESIGN section 4, Tasks): the task definition the agent holds an active
 * assignment of whose active definition is named `taskType` (case-insensitively, as names are
 * unique), or null. A task of that type then answers with an object valid against its schema.
 */
export const createTaskResolver =
  (db: Database): ResolveForTask =>
  async (scope, agentId, taskType) => {
    const definition = await findActiveDefinitionByName(db, scope, agentId, taskType);
    if (!definition) return null;
    return {
      instructions: effectiveInstructions(definition),
      responseSchema: definition.responseSchema,
      definitionId: definition.id,
      version: definition.version,
    };
  };
