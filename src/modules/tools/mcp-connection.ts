import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import { authenticationHeaders, type McpAuthentication } from './mcp-credentials.ts';
import type { McpServerRow } from './tool-tables.ts';

/** Where and how to reach a server: its row's transport settings and its opened authentication. */
export interface McpConnectionTarget {
  transport: McpServerRow['transport'];
  endpoint: string | null;
  command: string | null;
  args: string[];
  authentication: McpAuthentication;
}

/** Opens an initialized SDK client for a server; the caller closes it. */
export type McpConnector = (
  target: McpConnectionTarget,
  options: { signal: AbortSignal; timeoutMs: number },
) => Promise<Client>;

/**
 * Why a stdio command may not run, or undefined when the operator allows it. stdio starts a process
 * on the Agentry host, so only the exact commands of MCP_STDIO_ALLOWED_COMMANDS may be used.
 */
export function stdioRefusal(command: string | null, allowedCommands: readonly string[]): string | undefined {
  if (command !== null && allowedCommands.includes(command)) return undefined;
  const allowed =
    allowedCommands.length === 0
      ? 'this server allows none: stdio is off'
      : `allowed: ${allowedCommands.join(', ')}`;
  return (
    `the stdio transport runs a command on the Agentry host, so only commands the operator lists in ` +
    `MCP_STDIO_ALLOWED_COMMANDS may be used; "${command ?? ''}" is not one of them (${allowed})`
  );
}

/**
 * The connector for both transports the SDK offers us. Streamable HTTP goes through the outbound
 * guard's fetch: the endpoint's resolved addresses, and every redirect, are checked on every
 * request. stdio runs only allowed commands, with the SDK's minimal environment (PATH, HOME...):
 * none of Agentry's own settings or secrets reach the process.
 */
export function createMcpConnector(options: {
  fetch: OutboundGuard['fetch'];
  allowedCommands: readonly string[];
  clientInfo: { name: string; version: string };
}): McpConnector {
  function transportFor(target: McpConnectionTarget): Transport {
    if (target.transport === 'stdio') {
      const refusal = stdioRefusal(target.command, options.allowedCommands);
      if (refusal) throw new Error(`This server cannot be started: ${refusal}`);
      return new StdioClientTransport({
        command: target.command as string,
        args: target.args,
        stderr: 'ignore',
      });
    }
    if (!target.endpoint) throw new Error('This server has no endpoint');
    return new StreamableHTTPClientTransport(new URL(target.endpoint), {
      fetch: options.fetch,
      requestInit: { headers: authenticationHeaders(target.authentication) },
    });
  }

  return async (target, { signal, timeoutMs }) => {
    const client = new Client(options.clientInfo, { capabilities: {} });
    try {
      await client.connect(transportFor(target), { signal, timeout: timeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
    return client;
  };
}
