import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import { iso } from '../../platform/http/common-schemas.ts';
import { describeAuthentication, openAuthentication } from './mcp-credentials.ts';
import type { McpServerToolView, McpServerView } from './mcp-schemas.ts';
import type { McpServerRow, ToolRow } from './tool-tables.ts';

export const toServerToolView = (row: ToolRow): McpServerToolView => ({
  id: row.id,
  name: row.name,
  mcp_tool_name: row.mcpToolName ?? '',
  description: row.description,
  input_schema: row.inputSchema,
  enabled: row.enabled,
});

/**
 * Never the token or the header values: the authentication's type and, for headers, their names
 * (read from the sealed value; a value that no longer opens shows its type only).
 */
function authenticationView(secretBox: SecretBox, row: McpServerRow): McpServerView['authentication'] {
  if (row.authType !== 'headers') return { type: row.authType };
  try {
    return describeAuthentication(openAuthentication(secretBox, row));
  } catch {
    return { type: row.authType };
  }
}

export const toServerView = (secretBox: SecretBox, row: McpServerRow, tools: ToolRow[]): McpServerView => ({
  id: row.id,
  organization_id: row.organizationId,
  name: row.name,
  description: row.description,
  transport: row.transport,
  endpoint: row.endpoint,
  command: row.command,
  args: row.args,
  authentication: authenticationView(secretBox, row),
  health_check_url: row.healthCheckUrl,
  enabled: row.enabled,
  capabilities: row.capabilities,
  server_info: row.serverInfo ?? null,
  tools: tools.map(toServerToolView),
  resources: row.resources,
  prompts: row.prompts,
  health: { status: row.healthStatus, error: row.healthError, checked_at: iso(row.checkedAt) },
  timeout_seconds: row.timeoutSeconds,
  retry_config: row.retryConfig ?? null,
  circuit_breaker_config: row.circuitBreakerConfig ?? null,
  metadata: row.metadata,
  created_by_user_id: row.createdByUserId,
  created_by_api_key_id: row.createdByApiKeyId,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});
