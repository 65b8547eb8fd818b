import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { Principal } from '../tenancy/index.ts';

/**
 * Calls a tool of a registered MCP server through the server's pooled client, with the server's
 * timeout, retries and circuit breaker. Throws an Error whose message the model can read when the
 * call fails (the server is down, the tool answered an error, the circuit is open).
 */
export type McpToolCaller = (
  principal: Principal,
  target: { serverId: string; toolName: string },
  args: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<unknown>;

/** Which of `names` the organization has no enabled tool of: unknown and disabled ones apart. */
export type ToolNameCheck = (
  scope: TenantScope,
  names: readonly string[],
) => Promise<{ unknown: string[]; disabled: string[] }>;
