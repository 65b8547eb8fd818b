import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes, exampleTurn } from '../../platform/http/openapi-examples.ts';
import {
  boundedText,
  metadataField,
  metadataView,
  storedText,
  toolCallsField,
  toolCallsView,
} from './conversation-fields.ts';
import { messageRoles } from './conversation-tables.ts';

export const MESSAGE_MAX_BYTES = 100 * 1024;

const content = boundedText(MESSAGE_MAX_BYTES).describe('1 character to 100 KB (UTF-8)');

export const createMessageBody = z
  .object({
    role: z.enum(messageRoles).default('user'),
    content,
    metadata: metadataField.optional(),
    tool_calls: toolCallsField.optional(),
    parent_message_id: z
      .uuid()
      .nullable()
      .optional()
      .describe('The message this one answers; it must belong to the same session'),
  })
  .strict()
  .meta({
    id: 'MessageCreate',
    example: { role: 'user', content: exampleTurn.question, metadata: { channel: 'web' } },
  });

export const updateMessageBody = z
  .object({
    content: content.optional(),
    metadata: metadataField.optional(),
    role: z
      .enum(messageRoles)
      .optional()
      .describe(
        "Accepted when it is the message's role (seed 004 sends a whole CreateMessageRequest); a message's role cannot change (422)",
      ),
  })
  .strict()
  .meta({ id: 'MessageUpdate', example: { metadata: { channel: 'web', reviewed: true } } });

export const feedbackBody = z
  .object({
    score: z
      .number()
      .min(-1)
      .max(1)
      .describe('From -1 to 1: 1 is a thumbs up, -1 a thumbs down, values between a graded rating'),
    reason: storedText(2_000).nullable().optional(),
  })
  .strict()
  .meta({ id: 'MessageFeedback', example: { score: 1, reason: 'Clear and correct' } });

export const listMessagesQuery = pageQuery(50, 200).extend({
  role: z.enum(messageRoles).optional(),
  search: storedText(200)
    .trim()
    .min(1)
    .optional()
    .describe('Full-text search in the content (web search syntax: "a phrase", or, -excluded)'),
});

export type CreateMessageBody = z.input<typeof createMessageBody>;
export type UpdateMessageBody = z.infer<typeof updateMessageBody>;
export type FeedbackBody = z.infer<typeof feedbackBody>;
export type ListMessagesQuery = z.infer<typeof listMessagesQuery>;

const userMessageExample = {
  id: exampleIds.userMessage,
  organization_id: exampleIds.organization,
  session_id: exampleIds.session,
  role: 'user',
  content: exampleTurn.question,
  metadata: { channel: 'web' },
  tool_calls: [],
  parent_message_id: null,
  feedback_score: null,
  feedback_reason: null,
  created_at: exampleTimes.runStarted,
  updated_at: exampleTimes.runStarted,
};
const assistantMessageExample = {
  ...userMessageExample,
  id: exampleIds.assistantMessage,
  role: 'assistant',
  content: exampleTurn.answer,
  metadata: { run_id: exampleIds.run, model: 'llama3.1:8b', suggestions: exampleTurn.suggestions },
  feedback_score: 1,
  feedback_reason: 'Clear and correct',
  created_at: exampleTimes.runCompleted,
  updated_at: exampleTimes.runCompleted,
};

export const messageView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    session_id: z.uuid(),
    role: z.enum(messageRoles),
    content: z.string(),
    metadata: metadataView,
    tool_calls: toolCallsView,
    parent_message_id: z.uuid().nullable(),
    feedback_score: z.number().nullable(),
    feedback_reason: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Message', example: assistantMessageExample });
export const messageListView = z
  .array(messageView)
  .meta({ example: [userMessageExample, assistantMessageExample] });

export type MessageView = z.infer<typeof messageView>;
