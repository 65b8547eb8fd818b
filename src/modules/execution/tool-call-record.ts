import { isSecretFieldName, REDACTED } from '../../platform/http/field-value.ts';
import type { AgentTool } from './agent-tool.ts';

/**
 * A copy of a tool's arguments for the run's log and the stream, with the values of fields whose
 * name looks secret (`api_key`, `password`, `token`, ...) replaced: the tool itself gets them whole.
 */
export function redactedArguments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactedArguments);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      isSecretFieldName(key) ? REDACTED : redactedArguments(entry),
    ]),
  );
}

/** What model APIs accept as a function name (OpenAI and Anthropic alike). */
const MODEL_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The name each tool is offered to the model under: its own when the model APIs accept it, else
 * one they do (an MCP tool's `server.tool` becomes `server__tool`), never colliding with another.
 */
export function modelFacingNames(tools: readonly AgentTool[]): Map<string, AgentTool> {
  const byModelName = new Map<string, AgentTool>();
  const taken = new Set(tools.map((tool) => tool.name).filter((name) => MODEL_TOOL_NAME.test(name)));
  for (const tool of tools) {
    if (MODEL_TOOL_NAME.test(tool.name)) {
      byModelName.set(tool.name, tool);
      continue;
    }
    const base = tool.name
      .replaceAll('.', '__')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60);
    let candidate = base;
    for (let suffix = 2; taken.has(candidate); suffix++) candidate = `${base}_${suffix}`;
    taken.add(candidate);
    byModelName.set(candidate, tool);
  }
  return byModelName;
}
