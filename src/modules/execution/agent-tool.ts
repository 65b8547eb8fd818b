import type { JSONSchema7 } from 'ai';
import { z } from 'zod';
import type { AgentView } from '../agents/index.ts';
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

/** A capability the model may call. An agent's `tools[]` names the ones it gets. */
export interface AgentTool {
  name: string;
  /** What the model reads to decide when to call it. */
  description: string;
  /** JSON Schema of the input object the model must produce. */
  inputSchema: JSONSchema7;
  /** Validates its input itself (models make mistakes) and returns a JSON-serializable result. */
  execute(input: unknown, context: AgentToolContext): Promise<unknown>;
}

/**
 * Where a turn's tools come from, registered on the turn registry: the built-in tools today, the
 * organization's stored tools and MCP servers' tools later. Asked for each turn that names tools.
 */
export interface ToolProvider {
  name: string;
  /** The tools this provider offers `agent` for a turn of `principal` (its organization's only). */
  toolsFor(principal: Principal, agent: AgentView): AgentTool[] | Promise<AgentTool[]>;
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
