import type { JSONSchema7 } from 'ai';
import { z } from 'zod';
import type { Conversations } from '../conversations/index.ts';
import type { Principal } from '../tenancy/index.ts';

/** Who and what a tool acts for: it must never reach beyond this organization, agent and session. */
export interface AgentToolContext {
  principal: Principal;
  agent: { id: string; name: string };
  /** Null for turns without a session (the test endpoint). */
  sessionId: string | null;
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

/** Thrown for input the model got wrong; the message goes back to the model so it can correct itself. */
export class ToolInputError extends Error {}

function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new ToolInputError(
    `Invalid input: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ')}`,
  );
}

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** The current time, in UTC and optionally in an IANA time zone. */
export function currentTimeTool(now: () => Date = () => new Date()): AgentTool {
  const input = z.object({ timezone: z.string().max(200).optional() });
  return {
    name: 'current_time',
    description:
      'Returns the current date and time (ISO 8601, UTC) and, when an IANA time zone such as Europe/Paris is given, the local time there.',
    inputSchema: {
      type: 'object',
      properties: { timezone: { type: 'string', description: 'An IANA time zone, e.g. America/New_York' } },
      additionalProperties: false,
    },
    async execute(raw) {
      const { timezone } = parseInput(input, raw);
      const at = now();
      const result: Record<string, string> = { iso: at.toISOString(), timezone: 'UTC' };
      if (!timezone) return result;
      // An unknown zone is answered in UTC with a note, so that the model can still use the time.
      if (!isTimeZone(timezone)) {
        return {
          ...result,
          warning: `Unknown time zone "${timezone.slice(0, 100)}"; the time is given in UTC`,
        };
      }
      const local = new Intl.DateTimeFormat('sv-SE', {
        timeZone: timezone,
        dateStyle: 'short',
        timeStyle: 'medium',
      }).format(at);
      return { ...result, timezone, local };
    },
  };
}

/** Full-text search in the current session's own messages, through the conversations service. */
export function searchSessionMessagesTool(conversations: Pick<Conversations, 'searchMessages'>): AgentTool {
  const input = z.object({
    query: z.string().trim().min(1).max(200),
    limit: z.number().int().min(1).max(20).optional(),
  });
  return {
    name: 'search_session_messages',
    description:
      'Searches the messages of the current conversation (full text, whole words; "a phrase", or, -excluded) and returns the matching messages, oldest first.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to find' },
        limit: { type: 'integer', minimum: 1, maximum: 20, description: 'At most this many (default 5)' },
      },
      required: ['query'],
      additionalProperties: false,
    },
    async execute(raw, context) {
      const { query, limit } = parseInput(input, raw);
      if (!context.sessionId) return { matches: [], note: 'This turn has no session to search.' };
      const found = await conversations.searchMessages(
        context.principal,
        context.sessionId,
        query,
        limit ?? 5,
      );
      return {
        matches: found.map((message) => ({
          message_id: message.id,
          role: message.role,
          content: message.content.length > 1_000 ? `${message.content.slice(0, 1_000)}…` : message.content,
          created_at: message.created_at,
        })),
      };
    },
  };
}

/** The tools Agentry knows; an agent picks from them by name. */
export function createToolCatalog(tools: AgentTool[]) {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  return {
    names: () => [...byName.keys()],
    /** The agent's tools, in the order it names them; unknown names are reported, not fatal. */
    select(names: string[]): { tools: AgentTool[]; unknown: string[] } {
      const selected: AgentTool[] = [];
      const unknown: string[] = [];
      for (const name of new Set(names)) {
        const tool = byName.get(name);
        if (tool) selected.push(tool);
        else unknown.push(name);
      }
      return { tools: selected, unknown };
    },
  };
}

export type ToolCatalog = ReturnType<typeof createToolCatalog>;
