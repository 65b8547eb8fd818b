import type { DefinitionRow } from './kind-repository.ts';
import type { DefinitionView } from './kind-schemas.ts';

export const toDefinitionView = (row: DefinitionRow, isLoaded: boolean): DefinitionView => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  agent_type: row.agentType,
  description: row.description,
  capabilities: row.capabilities,
  config_schema: row.configSchema,
  metadata: row.metadata,
  is_enabled: row.isEnabled,
  is_loaded: isLoaded,
  source: row.source,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
