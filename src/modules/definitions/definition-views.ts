import type { DefinitionRow, DefinitionVersionRow } from './definition-repository.ts';
import type { DefinitionView, VersionView } from './definition-schemas.ts';
import type { DefinitionSnapshot } from './definition-tables.ts';

export const snapshotOf = (row: DefinitionRow): DefinitionSnapshot => ({
  name: row.name,
  description: row.description,
  instructions: row.instructions,
  response_schema: row.responseSchema,
  is_active: row.isActive,
});

export const toDefinitionView = (row: DefinitionRow): DefinitionView => ({
  id: row.id,
  organization_id: row.organizationId,
  ...snapshotOf(row),
  version: row.version,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const toVersionView = (row: DefinitionVersionRow): VersionView => ({
  task_definition_id: row.taskDefinitionId,
  version: row.version,
  ...row.snapshot,
  checksum: row.checksum,
  change_type: row.changeType,
  changed_fields: row.changedFields,
  change_reason: row.changeReason,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
});
