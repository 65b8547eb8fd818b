import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

/** How a tool call reports progress: MCP `notifications/progress`, when the client asked for them. */
export type ProgressReporter = (message: string) => void;

/** What a tool call runs with besides its arguments. */
export interface ToolCallContext {
  /** Aborted when the client goes away: the turn stops and its run ends cancelled. */
  signal: AbortSignal;
  /** Present when the client sent a progress token with the call. */
  progress?: ProgressReporter | undefined;
}

/** A tool of one caller's catalog: what tools/list shows of it, and what tools/call runs. */
export interface CatalogTool {
  tool: Tool;
  call(given: Record<string, unknown>, context: ToolCallContext): Promise<CallToolResult>;
}

/** Tool descriptions go into the client model's context with every request: kept short. */
export const DESCRIPTION_MAX_LENGTH = 1_000;

export const bounded = (text: string) =>
  text.length <= DESCRIPTION_MAX_LENGTH ? text : `${text.slice(0, DESCRIPTION_MAX_LENGTH - 1)}…`;
