import { z } from 'zod';
import { exampleIds, exampleTurn } from '../../platform/http/openapi-examples.ts';
import { usageView } from '../runs/index.ts';

export const MESSAGE_MAX_BYTES = 100 * 1024;

/** What the user says: 1 character to 100 KB, like a stored message (it becomes one). */
export const userText = z
  .string()
  .min(1)
  .max(MESSAGE_MAX_BYTES)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= MESSAGE_MAX_BYTES, {
    message: 'must be at most 100 KB (UTF-8)',
  });

export const requestMetadata = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 16 * 1024, {
    message: 'must be at most 16 KB once serialized',
  });

/** A JSON Schema for a structured answer: an object here, compiled and checked by the service. */
const responseSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 64 * 1024, {
    message: 'must be at most 64 KB once serialized',
  })
  .meta({
    example: {
      type: 'object',
      properties: { category: { type: 'string', enum: ['billing', 'technical', 'other'] } },
      required: ['category'],
      additionalProperties: false,
    },
  });

export const endUserId = z.string().min(1).max(255).describe('Your identifier of the end user');

export const executeBody = z
  .object({
    session_id: z.uuid().optional().describe('Continue this session; a new one is started when absent'),
    agent_id: z
      .uuid()
      .optional()
      .describe('Seed 004 sends the agent in the body too: when given, it must be the path’s id (else 422)'),
    user_id: endUserId.optional(),
    message: userText,
    stream: z
      .boolean()
      .optional()
      .describe('Answer with Server-Sent Events; defaults to the agent’s use_streaming'),
    metadata: requestMetadata.optional().describe('Stored on the user message (at most 16 KB)'),
    response_schema: responseSchema
      .optional()
      .describe(
        'A JSON Schema (draft-07 or 2020-12, root type object) the answer must follow: the answer is then a JSON object, validated, with one repair attempt (docs/execution.md)',
      ),
  })
  .strict()
  .meta({
    id: 'AgentExecutionRequest',
    // Without session_id: a new session, so the example runs as it stands on any agent.
    example: {
      user_id: 'customer-42',
      message: exampleTurn.question,
      metadata: { channel: 'web' },
    },
  });
export type ExecuteBody = z.infer<typeof executeBody>;

export const previewBody = z
  .object({
    message: userText,
    session_id: z.uuid().optional().describe('Include this session’s recent messages'),
  })
  .strict()
  .meta({
    id: 'ContextPreviewRequest',
    example: { message: exampleTurn.question },
  });

export const testBody = z
  .object({ prompt: userText })
  .strict()
  .meta({ id: 'AgentTestRequest', example: { prompt: exampleTurn.question } });

const providerExample = { id: exampleIds.provider, name: 'Local Ollama', type: 'openai_compatible' };

export const providerView = z.object({
  id: z.string().describe('The provider id; `offline` for the built-in model'),
  name: z.string(),
  type: z.string(),
});

export const toolOriginView = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin') }),
    z.object({ kind: z.literal('http'), tool_id: z.string(), host: z.string() }),
    z.object({
      kind: z.literal('mcp'),
      tool_id: z.string(),
      mcp_server_id: z.string(),
      mcp_server: z.string(),
    }),
  ])
  .describe("Where the tool ran: in Agentry, at an HTTP tool's host, or on an MCP server");

export const toolCallView = z.object({
  id: z.string(),
  name: z
    .string()
    .describe("The tool's name in the organization's catalogue (`server.tool` for an MCP tool)"),
  input: z.unknown().describe('The arguments the model gave, fields with secret-looking names redacted'),
  output: z
    .unknown()
    .describe('What the model got back: the result, cut past TOOL_RESULT_MAX_BYTES, or {error}'),
  success: z.boolean(),
  duration_ms: z.number().nullable(),
  origin: toolOriginView,
});

/** Seed 001's `memory_confidence` (docs/memory.md): the same number on every answer that carries it. */
export const memoryConfidenceView = z
  .number()
  .min(0)
  .max(1)
  .describe(
    'The mean score (capped at 1) of the memories the turn’s context was given (docs/memory.md); 0 when none',
  );

export const executionResponse = z
  .object({
    session_id: z.uuid(),
    message_id: z.uuid().describe('The assistant message'),
    user_message_id: z.uuid(),
    run_id: z.uuid(),
    content: z.string(),
    structured_output: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('The validated answer object, when the request carried a response_schema'),
    tool_calls: z.array(toolCallView),
    metadata: z.object({
      usage: usageView,
      cost_estimate: z.number().nullable().describe('USD; null when the model has no known price'),
      model: z.string(),
      provider: providerView,
      fallback_used: z.boolean(),
      suggestions: z.array(z.string()).optional(),
      warnings: z.array(z.string()),
      memory_confidence: memoryConfidenceView,
    }),
    execution_time_ms: z.number().int(),
  })
  .meta({
    id: 'AgentExecutionResponse',
    example: {
      session_id: exampleIds.session,
      message_id: exampleIds.assistantMessage,
      user_message_id: exampleIds.userMessage,
      run_id: exampleIds.run,
      content: exampleTurn.answer,
      tool_calls: [],
      metadata: {
        usage: exampleTurn.usage,
        cost_estimate: null,
        model: 'llama3.1:8b',
        provider: providerExample,
        fallback_used: false,
        suggestions: exampleTurn.suggestions,
        warnings: [],
        memory_confidence: 0.62,
      },
      execution_time_ms: 2_120,
    },
  });
export type ExecutionResponse = z.infer<typeof executionResponse>;

export const contextMessageView = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  source: z.string(),
  tokens: z.number().int(),
});

export const previewResponse = z
  .object({
    agent_id: z.uuid(),
    agent_version: z.number().int(),
    model: z.string(),
    provider: providerView,
    system_prompt: z.string().describe('The instructions the model receives'),
    messages: z.array(contextMessageView).describe('The conversation the model receives, oldest first'),
    tools: z.array(z.string()),
    budget_tokens: z.number().int().describe('max_context_size'),
    estimated_tokens: z.number().int().describe('Estimated at 4 characters a token'),
    sections: z.array(z.object({ source: z.string(), tokens: z.number().int(), included: z.boolean() })),
    dropped: z.array(contextMessageView).describe('Left out to stay within the budget, oldest first'),
    references: z
      .array(z.object({ source: z.string() }).catchall(z.unknown()))
      .describe(
        'What the context quotes (knowledge chunks with their file and position), as the run records it',
      ),
    memory_confidence: memoryConfidenceView.describe(
      'The mean score (capped at 1) of the memories in this context (docs/memory.md), as a turn’s answer reports it; 0 when none',
    ),
    max_output_tokens: z.number().int(),
    warnings: z.array(z.string()),
  })
  .meta({
    id: 'ContextPreview',
    example: {
      agent_id: exampleIds.agent,
      agent_version: 2,
      model: 'llama3.1:8b',
      provider: providerExample,
      system_prompt: [
        'You are the support agent of Acme Cloud. Refunds are processed within 5 business days of approval.',
        '',
        '# Identity',
        'Your name is Support Agent.',
        'Your role: Customer support specialist.',
        'Character: Customer support specialist',
        'About you: Acme Cloud’s first-line support agent',
        'Helps customers with invoices, refunds and account questions, and hands over to a human when unsure.',
        'Your mission: Resolve customer questions quickly and accurately',
        'How you interact: Warm, concise, solution-oriented',
        '',
        '# Personality',
        '- Show empathy: acknowledge how the user feels before solving the problem.',
        '- Do not joke; keep a serious register.',
        '- Answer with confidence, and say plainly when you do not know.',
        '- Put safety first: decline harmful requests and warn about risks.',
        '',
        '# Communication',
        '- Tone: friendly.',
        '- Communication style: formal.',
        '- Keep your answers moderately long: a short paragraph or a few bullet points.',
      ].join('\n'),
      messages: [{ role: 'user', content: exampleTurn.question, source: 'user_message', tokens: 7 }],
      tools: ['current_time', 'search_session_messages'],
      budget_tokens: 100_000,
      estimated_tokens: 229,
      sections: [
        { source: 'system_prompt', tokens: 222, included: true },
        { source: 'user_message', tokens: 7, included: true },
      ],
      dropped: [],
      references: [],
      memory_confidence: 0,
      max_output_tokens: 800,
      warnings: [],
    },
  });

export const testResponse = z
  .object({
    agent_id: z.uuid(),
    agent_name: z.string(),
    prompt: z.string(),
    response: z.string(),
    elapsed_time: z.number().describe('Seconds'),
    model_name: z.string(),
    provider_name: z.string(),
    provider_type: z.string(),
    run_id: z.uuid(),
  })
  .meta({
    id: 'AgentTestResponse',
    example: {
      agent_id: exampleIds.agent,
      agent_name: 'Support Agent',
      prompt: exampleTurn.question,
      response: exampleTurn.answer,
      elapsed_time: 2.12,
      model_name: 'llama3.1:8b',
      provider_name: 'Local Ollama',
      provider_type: 'openai_compatible',
      run_id: exampleIds.testRun,
    },
  });
