import { type CallToolResult, McpError } from '@modelcontextprotocol/sdk/types.js';
import { policyOf, type ServicePolicy } from '../../platform/resilience/service-policy.ts';
import {
  CircuitOpenError,
  RetriesExhaustedError,
  type ServiceCalls,
  type ServiceRef,
  ServiceTimeoutError,
} from '../services/index.ts';
import type { McpClientPool } from './mcp-client-pool.ts';
import { redactSecrets } from './mcp-credentials.ts';
import { describeFailure, isConnectionFailure } from './mcp-failures.ts';
import { contentText, toolResultValue } from './mcp-tool-result.ts';
import type { McpToolCaller } from './tool-contracts.ts';

/** A tool call that failed: the message is what the model reads. */
export class McpToolError extends Error {
  override readonly name = 'McpToolError';
}

const seconds = (milliseconds: number) => Math.max(1, Math.ceil(milliseconds / 1000));

/** The model's view of a call that did not get an answer from the tool. */
function callFailure(
  server: string,
  error: unknown,
  policy: ServicePolicy,
  secrets: readonly string[],
): McpToolError {
  if (error instanceof CircuitOpenError) {
    return new McpToolError(
      `Calls to MCP server "${server}" are paused for ${seconds(error.retryAfterMs)} s after repeated failures; ` +
        'do not call its tools again before then',
    );
  }
  const attempts = error instanceof RetriesExhaustedError ? error.attempts : 1;
  const failure = error instanceof RetriesExhaustedError ? error.cause : error;
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  if (failure instanceof ServiceTimeoutError) {
    return new McpToolError(
      `MCP server "${server}" did not answer within ${seconds(policy.callTimeoutMs)} s${tries}`,
    );
  }
  const described = describeFailure(failure, { timeoutMs: policy.callTimeoutMs, secrets });
  if (isConnectionFailure(failure)) {
    return new McpToolError(`MCP server "${server}" is unreachable${tries}: ${described}`);
  }
  if (failure instanceof McpError)
    return new McpToolError(`MCP server "${server}" refused the call: ${described}`);
  return new McpToolError(`MCP server "${server}" failed: ${described}`);
}

/**
 * `callTool` (tool-contracts.ts): the organization's own server only, through the pooled client,
 * each attempt bounded by the server's call timeout, retried only when the connection failed or
 * timed out, behind the server's circuit breaker. A tool that answers `isError` has answered: its
 * text is the error, not retried, and it counts for nothing against the server's health.
 */
export function createMcpToolCaller({
  pool,
  services,
  defaults,
  resultMaxBytes,
}: {
  pool: McpClientPool;
  services: ServiceCalls;
  defaults: ServicePolicy;
  resultMaxBytes: number;
}): McpToolCaller {
  return async (principal, { serverId, toolName }, args, signal) => {
    const server = await pool.server(principal, serverId);
    if (!server) throw new McpToolError('The MCP server of this tool no longer exists');
    if (!server.enabled) throw new McpToolError(`MCP server "${server.name}" is disabled`);
    const policy = policyOf(defaults, server);
    const service: ServiceRef = {
      organizationId: server.organizationId,
      type: 'mcp_server',
      id: server.id,
      name: server.name,
    };
    let secrets: readonly string[] = [];
    let result: CallToolResult;
    try {
      result = await services.call(
        service,
        policy,
        async (attemptSignal) => {
          const connection = await pool.connection(server, attemptSignal, policy.callTimeoutMs);
          secrets = connection.secrets;
          try {
            // The SDK's own timeout stays out of the way: the attempt's signal bounds the call.
            return (await connection.client.callTool({ name: toolName, arguments: args }, undefined, {
              signal: attemptSignal,
              timeout: policy.callTimeoutMs + 1_000,
            })) as CallToolResult;
          } catch (error) {
            if (isConnectionFailure(error)) pool.discard(server.id, connection.client);
            throw error;
          }
        },
        { signal, isRetryable: isConnectionFailure },
      );
    } catch (error) {
      // The turn was cancelled or ran out of time: that is the turn's error, not the server's.
      if (signal.aborted) throw error;
      throw callFailure(server.name, error, policy, secrets);
    }
    if (result.isError) {
      const text = redactSecrets(contentText(result), secrets).trim();
      throw new McpToolError(text || `The tool ${toolName} reported an error without a message`);
    }
    return toolResultValue(result, resultMaxBytes);
  };
}
