import { z } from 'zod';
import { exampleIds, exampleTimes, exampleTurn } from '../../platform/http/openapi-examples.ts';

/**
 * The OpenAI wire format, as far as Agentry serves it. Request objects are loose on purpose:
 * real clients send many optional fields (seed, logprobs, response_format, ...) and refusing
 * them would break the clients this facade exists for; the fields Agentry does not use are ignored.
 */

/** The same bound as a stored message (text PostgreSQL cannot store is refused before, input-rules.ts). */
const TEXT_MAX_BYTES = 100 * 1024;
const openAiText = z.string().refine((value) => Buffer.byteLength(value, 'utf8') <= TEXT_MAX_BYTES, {
  message: 'must be at most 100 KB (UTF-8)',
});

/** A part of a message's content; only `text` (and an assistant's `refusal`) parts can be served. */
const contentPart = z
  .object({
    type: z.string().max(64),
    text: openAiText.optional(),
    refusal: openAiText.optional(),
  })
  .loose();
export type ContentPart = z.infer<typeof contentPart>;

const content = z.union([openAiText, z.array(contentPart).max(100)]);

const toolCall = z
  .object({
    id: z.string().max(255),
    type: z.string().max(64).optional(),
    function: z.object({ name: z.string().max(255), arguments: openAiText }).loose(),
  })
  .loose();

const name = z.string().max(255).optional();

export const chatMessage = z.discriminatedUnion('role', [
  z
    .object({ role: z.enum(['system', 'developer']), content, name })
    .loose()
    .describe('Appended to the agent’s own instructions; never replaces them'),
  z.object({ role: z.literal('user'), content, name }).loose(),
  z
    .object({
      role: z.literal('assistant'),
      content: content.nullish(),
      tool_calls: z.array(toolCall).max(100).optional(),
      name,
    })
    .loose(),
  z.object({ role: z.literal('tool'), content, tool_call_id: z.string().max(255) }).loose(),
]);
export type ChatMessage = z.infer<typeof chatMessage>;

export const chatCompletionBody = z
  .object({
    model: openAiText.pipe(z.string().min(1).max(255)).describe('An agent’s id, or its exact name'),
    messages: z
      .array(chatMessage)
      .min(1)
      .max(10_000)
      .describe('The conversation, oldest first; the last non-system message is from the user (or a tool)'),
    stream: z.boolean().nullish().describe('Answer with `chat.completion.chunk` Server-Sent Events'),
    stream_options: z
      .object({ include_usage: z.boolean().nullish() })
      .loose()
      .nullish()
      .describe('`include_usage`: a last chunk carries the usage'),
    temperature: z.number().min(0).max(2).nullish().describe('Replaces the agent’s temperature'),
    max_tokens: z.number().int().min(1).nullish().describe('Can lower the agent’s output cap, not raise it'),
    max_completion_tokens: z.number().int().min(1).nullish().describe('The same as max_tokens'),
    n: z.number().int().min(1).max(1, 'an agent gives one answer: n must be 1').nullish(),
    user: openAiText.pipe(z.string().max(255)).nullish().describe('Your end user’s id, recorded on the run'),
  })
  .loose()
  .meta({
    id: 'ChatCompletionRequest',
    example: {
      model: 'Support Agent',
      messages: [
        { role: 'system', content: 'The customer is on the annual plan.' },
        { role: 'user', content: exampleTurn.question },
      ],
      temperature: 0.3,
      user: 'customer-42',
    },
  });
export type ChatCompletionBody = z.infer<typeof chatCompletionBody>;

export const modelParams = z.object({
  model: openAiText.pipe(z.string().min(1).max(255)).describe('An agent’s id, or its exact name'),
});

const modelExample = {
  id: exampleIds.agent,
  object: 'model',
  created: Date.parse(exampleTimes.agentCreated) / 1000,
  owned_by: 'agentry',
  name: 'Support Agent',
};

export const modelObject = z
  .object({
    id: z.string().describe('The agent’s id'),
    object: z.literal('model'),
    created: z.number().int().describe('When the agent was created (Unix seconds)'),
    owned_by: z.literal('agentry'),
    name: z.string().describe('The agent’s name, which also works as the model'),
  })
  .meta({ id: 'OpenAiModel', example: modelExample });
export type ModelObject = z.infer<typeof modelObject>;

export const modelList = z
  .object({ object: z.literal('list'), data: z.array(modelObject) })
  .meta({ id: 'OpenAiModelList', example: { object: 'list', data: [modelExample] } });

export const finishReasons = ['stop', 'length', 'content_filter'] as const;
export type ChatFinishReason = (typeof finishReasons)[number];

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});
export type ChatUsage = z.infer<typeof usage>;

export const chatCompletion = z
  .object({
    id: z.string().describe('`chatcmpl-<run id>`: the run that recorded this call'),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string().describe('The agent’s id'),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string(),
          refusal: z.null(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(finishReasons),
      }),
    ),
    usage,
  })
  .meta({
    id: 'ChatCompletion',
    example: {
      id: `chatcmpl-${exampleIds.run}`,
      object: 'chat.completion',
      created: Date.parse(exampleTimes.runStarted) / 1000,
      model: exampleIds.agent,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: exampleTurn.answer, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: exampleTurn.usage.input_tokens,
        completion_tokens: exampleTurn.usage.output_tokens,
        total_tokens: exampleTurn.usage.total_tokens,
      },
    },
  });
export type ChatCompletion = z.infer<typeof chatCompletion>;

/** One Server-Sent Event of a streamed completion (documentation; streams are written by hand). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: null;
    finish_reason: ChatFinishReason | null;
  }[];
  /** With `stream_options.include_usage`: null on every chunk but the last, which has no choices. */
  usage?: ChatUsage | null;
}
