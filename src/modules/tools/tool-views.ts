import { policyOf, type ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { AgentTool } from '../execution/index.ts';
import { toPolicyView } from '../services/index.ts';
import type { ToolRow } from './tool-repository.ts';
import type { ToolView } from './tool-schemas.ts';

/**
 * Never a secret header's value: only the names of those that are set. `defaults`: the server's
 * tool policy, under an HTTP tool's own settings.
 */
export function toToolView(row: ToolRow, defaults: ServicePolicy): ToolView {
  const http = row.http;
  return {
    id: row.id,
    organization_id: row.organizationId,
    name: row.name,
    description: row.description,
    kind: row.kind,
    input_schema: row.inputSchema,
    schema: row.inputSchema,
    enabled: row.enabled,
    metadata: row.metadata,
    http: http && {
      method: http.method,
      url_template: http.url_template,
      headers: http.headers,
      secret_header_names: row.secretHeaderNames,
      body_template: http.body_template,
      timeout_seconds: http.timeout_seconds,
      max_response_bytes: http.max_response_bytes,
    },
    mcp_server_id: row.mcpServerId,
    mcp_tool_name: row.mcpToolName,
    retry_config: row.retryConfig,
    circuit_breaker_config: row.circuitBreakerConfig,
    resilience: http
      ? toPolicyView(
          policyOf(defaults, {
            retryConfig: row.retryConfig,
            circuitBreakerConfig: row.circuitBreakerConfig,
            timeoutSeconds: http.timeout_seconds,
          }),
        )
      : null,
    created_by_user_id: row.createdByUserId,
    created_by_api_key_id: row.createdByApiKeyId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A tool another module offers (a built-in one): read-only, its name for an id, its provider in metadata. */
export function toBuiltinToolView(tool: AgentTool, providedBy: string): ToolView {
  const inputSchema = tool.inputSchema as Record<string, unknown>;
  return {
    id: tool.name,
    organization_id: null,
    name: tool.name,
    description: tool.description,
    kind: 'builtin',
    input_schema: inputSchema,
    schema: inputSchema,
    enabled: true,
    metadata: { provided_by: providedBy },
    http: null,
    mcp_server_id: null,
    mcp_tool_name: null,
    retry_config: null,
    circuit_breaker_config: null,
    resilience: null,
    created_by_user_id: null,
    created_by_api_key_id: null,
    created_at: null,
    updated_at: null,
  };
}
