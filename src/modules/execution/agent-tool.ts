import type { JSONSchema7 } from 'ai';
import { z } from 'zod';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { Principal } from '../tenancy/index.ts';

/** Who and what a tool acts for: it must never reach beyond this organization, agent and session. */
export interface AgentToolContext {
  principal: Principal;
  agent: { id: string; name: string };
  /** Null for turns without a session (the test endpoint, the OpenAI-compatible facade). */
  sessionId: string | null;
  /** False while the session is one this turn starts: it is stored with the turn's end. */
  sessionStored: boolean;
  runId: string;
  /** Aborted when the turn is cancelled or times out. */
  signal: AbortSignal;
}

/**
 * Where a tool's work happens, recorded with each of its calls: in Agentry (`builtin`), at an
 * HTTP tool's host, or on an MCP server.
 */
export type ToolOrigin =
  | { kind: 'builtin' }
  | { kind: 'http'; tool_id: string; host: string }
  | { kind: 'mcp'; tool_id: string; mcp_server_id: string; mcp_server: string };

/** A capability the model may call. An agent's `tools[]` names the ones it gets. */
export interface AgentTool {
  /** Its name in the organization's catalogue (`server.tool` for an MCP server's tool). */
  name: string;
  /** What the model reads to decide when to call it. */
  description: string;
  /** JSON Schema of the input object the model must produce. */
  inputSchema: JSONSchema7;
  /** Validates its input itself (models make mistakes) and returns a JSON-serializable result. */
  execute(input: unknown, context: AgentToolContext): Promise<unknown>;
  /** Built-in when absent. */
  origin?: ToolOrigin;
}

/**
 * Where a turn's tools come from, registered on the turn registry: the built-in tools, the shared
 * contexts' tools, the organization's HTTP tools and its MCP servers' tools. Asked for each turn
 * that names tools, and when an agent's `tools[]` is written (unknown names are refused).
 */
export interface ToolProvider {
  name: string;
  /** The enabled tools this provider offers the scope's organization (that organization's only). */
  toolsFor(scope: TenantScope): AgentTool[] | Promise<AgentTool[]>;
}

/** Thrown for input the model got wrong; the message goes back to the model so it can correct itself. */
export class ToolInputError extends Error {}

/**
 * A tool whose input is written once, as a zod schema: the model is shown its JSON Schema, and
 * `execute` receives the input parsed by the same schema (a mismatch is a ToolInputError).
 */
export function defineTool<Input extends z.ZodType>(definition: {
  name: string;
  description: string;
  input: Input;
  execute(input: z.output<Input>, context: AgentToolContext): Promise<unknown>;
}): AgentTool {
  const { $schema: _dialect, ...inputSchema } = z.toJSONSchema(definition.input, { target: 'draft-7' });
  return {
    name: definition.name,
    description: definition.description,
    inputSchema: inputSchema as JSONSchema7,
    async execute(raw, context) {
      const parsed = definition.input.safeParse(raw ?? {});
      if (!parsed.success) {
        throw new ToolInputError(
          `Invalid input: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')}`,
        );
      }
      return definition.execute(parsed.data, context);
    },
  };
}
