import { z } from 'zod';
import { type AgentTool, defineTool, type ToolProvider } from './agent-tool.ts';

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
  return defineTool({
    name: 'current_time',
    description:
      'Returns the current date and time (ISO 8601, UTC) and, when an IANA time zone such as Europe/Paris is given, the local time there.',
    input: z.object({
      timezone: z.string().max(200).optional().describe('An IANA time zone, e.g. America/New_York'),
    }),
    async execute({ timezone }) {
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
  });
}

/** What the session search tool needs from the conversations module. */
export type SessionSearch = (
  principal: Parameters<AgentTool['execute']>[1]['principal'],
  sessionId: string,
  query: string,
  limit: number,
) => Promise<{ id: string; role: string; content: string; created_at: string }[]>;

/** Full-text search in the current session's own messages, through the conversations service. */
export function searchSessionMessagesTool(searchMessages: SessionSearch): AgentTool {
  return defineTool({
    name: 'search_session_messages',
    description:
      'Searches the messages of the current conversation (full text, whole words; "a phrase", or, -excluded) and returns the matching messages, oldest first.',
    input: z.object({
      query: z.string().trim().min(1).max(200).describe('Words to find'),
      limit: z.number().int().min(1).max(20).optional().describe('At most this many (default 5)'),
    }),
    async execute({ query, limit }, context) {
      if (!context.sessionId) return { matches: [], note: 'This turn has no session to search.' };
      if (!context.sessionStored) return { matches: [], note: 'This conversation has just started.' };
      const found = await searchMessages(context.principal, context.sessionId, query, limit ?? 5);
      return {
        matches: found.map((message) => ({
          message_id: message.id,
          role: message.role,
          content: message.content.length > 1_000 ? `${message.content.slice(0, 1_000)}…` : message.content,
          created_at: message.created_at,
        })),
      };
    },
  });
}

/** The names of the tools every organization has. */
export const builtinToolNames = ['current_time', 'search_session_messages'] as const;

/** The tools every organization has: one provider on the turn registry like any other. */
export function builtinToolProvider(searchMessages: SessionSearch): ToolProvider {
  const tools = [currentTimeTool(), searchSessionMessagesTool(searchMessages)];
  return { name: 'builtin', toolsFor: () => tools };
}
