import { asRecord, type RecordedRequest } from '../stubs/stub-server.ts';

/** The words that name a task in its message, for the model stub to find whose call it answers. */
export const taskMarker = (key: string) => `[task ${key}]`;

const MARKER = /\[task ([\w-]+)\]/;

/** The key of the task named in `text`, if any. */
export const taskKeyIn = (text: string | null | undefined) => (text ? MARKER.exec(text)?.[1] : undefined);

/**
 * The key of the task whose turn made this chat completion: the marker in its last user message
 * (the task's own message; the turn's history, if any, is someone else's).
 */
export function taskKeyOfCompletion(request: RecordedRequest): string | undefined {
  if (request.path !== '/v1/chat/completions') return undefined;
  const { messages } = asRecord(request.body);
  if (!Array.isArray(messages)) return undefined;
  const last = messages.map(asRecord).findLast((message) => message.role === 'user');
  const content = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  return taskKeyIn(content);
}
