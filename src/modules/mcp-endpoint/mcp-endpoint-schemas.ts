import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { exampleTurn } from '../../platform/http/openapi-examples.ts';

/** A user message or a task's input becomes a stored message: at most 100 KB, like every other. */
const INPUT_MAX_BYTES = 100 * 1024;
const withinInputLimit = (value: unknown) =>
  Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value), 'utf8') <= INPUT_MAX_BYTES;

/** The arguments of an `ask_<agent>` tool. */
export const askArguments = z
  .object({
    message: z
      .string()
      .min(1)
      .refine(withinInputLimit, { message: 'must be at most 100 KB (UTF-8)' })
      .describe('What to ask or tell the agent'),
    session_id: z
      .uuid()
      .optional()
      .describe(
        'Continue this session of the agent (the session_id of an earlier answer); without it, a new session starts',
      ),
  })
  .strict();

/** What an `ask_<agent>` tool answers, as structured content. */
export const askResult = z
  .object({
    answer: z.string().describe('The agent’s answer'),
    session_id: z.uuid().describe('The session the turn ran in: pass it back to continue the conversation'),
    run_id: z.uuid().describe('The run that recorded the turn (GET /api/v1/runs/{id})'),
  })
  .strict();
export type AskResult = z.infer<typeof askResult>;

/** The arguments of a `run_<definition>_<agent>` tool: the input of POST /assignments/{id}/execute. */
export const taskArguments = z
  .object({
    input: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())])
      .refine(withinInputLimit, { message: 'must be at most 100 KB' })
      .describe('What the task is applied to: a text, or a JSON object (given to the model as JSON)'),
  })
  .strict();

/**
 * A tool's JSON Schema as MCP clients read it. `$schema` is left out: the dialect is then
 * 2020-12 for MCP, and clients that validate with a draft-07 validator (the SDK's own) still
 * compile it, since these schemas use nothing that differs between the two.
 */
function toolSchema(schema: z.ZodType): { type: 'object'; [key: string]: unknown } {
  const { $schema: _dialect, ...body } = z.toJSONSchema(schema, { io: 'input' });
  return { ...body, type: 'object' };
}

export const askInputSchema = toolSchema(askArguments);
export const askOutputSchema = toolSchema(askResult);
export const taskInputSchema = toolSchema(taskArguments);

/**
 * One JSON-RPC message of the MCP protocol, validated with the SDK's own schema before it reaches
 * the transport, so that a malformed one gets Agentry's error body (422) like any other request.
 * Batches (JSON arrays) are not accepted: MCP dropped them in its 2025-06-18 revision.
 */
export const mcpMessageBody = JSONRPCMessageSchema.meta({
  id: 'McpMessage',
  description: 'A JSON-RPC 2.0 message of the Model Context Protocol (a request or a notification)',
  examples: [
    { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
    {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'ask_support_agent', arguments: { message: exampleTurn.question } },
    },
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'example-client', version: '1.0.0' },
      },
    },
  ],
});
