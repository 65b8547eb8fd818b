import { z } from 'zod';
import { exampleIds, exampleTurn } from '../../platform/http/openapi-examples.ts';
import { endUserId, memoryConfidenceView, requestMetadata, userText } from './execution-schemas.ts';

/** Two names of one field (seed 001's and Agentry's): either may be given, both only if they agree. */
const aliases = [
  { name: 'message', alias: 'user_input' },
  { name: 'session_id', alias: 'thread_id' },
] as const;

/** Seed 001's interaction flow (`process_interaction`): its names and Agentry's are both accepted. */
export const chatBody = z
  .object({
    message: userText.optional().describe('What the user says; required unless user_input is given'),
    user_input: userText.optional().describe('Seed 001’s name for message'),
    thread_id: z
      .uuid()
      .optional()
      .describe('Continue this thread (a session); a new one is started when absent'),
    session_id: z.uuid().optional().describe('Agentry’s name for thread_id'),
    user_id: endUserId.optional(),
    metadata: requestMetadata.optional().describe('Stored on the user message (at most 16 KB)'),
  })
  .strict()
  .superRefine((body, context) => {
    for (const { name, alias } of aliases) {
      const [value, aliased] = [body[name], body[alias]];
      if (value !== undefined && aliased !== undefined && value !== aliased) {
        context.addIssue({ code: 'custom', path: [alias], message: `conflicts with ${name}` });
      }
    }
    if (body.message === undefined && body.user_input === undefined) {
      context.addIssue({ code: 'custom', path: ['message'], message: 'is required (or user_input)' });
    }
  })
  .meta({
    id: 'AgentChatRequest',
    example: {
      user_input: exampleTurn.question,
      user_id: 'customer-42',
      metadata: { channel: 'web' },
    },
  });
export type ChatBody = z.infer<typeof chatBody>;

export const chatResponse = z
  .object({
    thread_id: z.uuid().describe('The session the turn ran in (seed 001 calls it a thread)'),
    session_id: z.uuid().describe('The same id, under Agentry’s name'),
    agent_id: z.uuid(),
    response: z.string().describe('The answer'),
    run_id: z.uuid(),
    message_id: z.uuid().describe('The assistant message'),
    metadata: z.object({
      memory_confidence: memoryConfidenceView,
      message_count: z
        .number()
        .int()
        .describe(
          'The session’s messages after the turn, as GET /sessions/{id} counts them: the agent’s greeting (initial_ai_msg) of a new session included',
        ),
    }),
  })
  .meta({
    id: 'AgentChatResponse',
    example: {
      thread_id: exampleIds.session,
      session_id: exampleIds.session,
      agent_id: exampleIds.agent,
      response: exampleTurn.answer,
      run_id: exampleIds.run,
      message_id: exampleIds.assistantMessage,
      metadata: { memory_confidence: 0.62, message_count: 3 },
    },
  });
export type ChatResponse = z.infer<typeof chatResponse>;
