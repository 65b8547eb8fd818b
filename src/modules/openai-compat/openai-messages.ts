import { BadRequestError } from '../../platform/http/errors.ts';
import type { ProvidedMessage } from '../execution/index.ts';
import type { ChatMessage, ContentPart } from './openai-schemas.ts';

/** A client's `messages` as a turn: the message it answers, and the conversation before it. */
export interface TurnConversation {
  message: string;
  history: ProvidedMessage[];
}

const unservable = (param: string, message: string) =>
  new BadRequestError('invalid_messages', message, { param });

function textOfPart(part: ContentPart, param: string): string {
  if (part.type === 'text' && typeof part.text === 'string') return part.text;
  if (part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
  throw new BadRequestError(
    'unsupported_content',
    `Only text content parts are supported; ${param} is of type ${part.type}`,
    { param },
  );
}

function textOf(content: ChatMessage['content'], param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part, index) => textOfPart(part, `${param}[${index}]`)).join('\n');
}

/**
 * The client's tools are not Agentry's (an agent runs its own tools, server-side), so a history
 * that used them is given to the model as text: what was called, and what it returned.
 */
function toProvided(message: ChatMessage, index: number): ProvidedMessage {
  const text = textOf(message.content, `messages[${index}].content`);
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: text };
    case 'user':
      return { role: 'user', content: text };
    case 'assistant': {
      const calls = (message.tool_calls ?? []).map(
        (call) => `[tool call ${call.id}: ${call.function.name}(${call.function.arguments})]`,
      );
      return { role: 'assistant', content: [text, ...calls].filter(Boolean).join('\n') };
    }
    case 'tool':
      return { role: 'user', content: `[tool result ${message.tool_call_id}]\n${text}` };
  }
}

/**
 * OpenAI semantics: the client sends the whole conversation. The last message that is not a
 * system message is what the agent answers (a user message, or a tool result); everything else,
 * in order, is the history, whose system messages extend the agent's instructions.
 */
export function toTurnConversation(messages: ChatMessage[]): TurnConversation {
  const lastIndex = messages.findLastIndex(
    (message) => message.role !== 'system' && message.role !== 'developer',
  );
  const last = messages[lastIndex];
  if (!last) throw unservable('messages', 'The messages contain no user message to answer');
  if (last.role !== 'user' && last.role !== 'tool') {
    throw unservable(
      `messages[${lastIndex}].role`,
      `The last message that is not a system message must be from the user or a tool, not the ${last.role}`,
    );
  }
  const message = toProvided(last, lastIndex).content;
  if (!message.trim()) {
    throw unservable(`messages[${lastIndex}].content`, 'The message to answer is empty');
  }
  const history = messages.flatMap((candidate, index) =>
    index === lastIndex ? [] : [toProvided(candidate, index)],
  );
  return { message, history };
}
