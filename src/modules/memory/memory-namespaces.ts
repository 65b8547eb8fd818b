import type { MemoryScope } from './memory-tables.ts';

/** Where a memory lives: the agent's own namespace, one end user's, or one thread's (seed 001). */
export type MemoryPlace =
  | { scope: 'agent' }
  | { scope: 'user'; userId: string }
  | { scope: 'thread'; sessionId: string; userId?: string | null | undefined };

/**
 * The namespace string of seed 001: `{org}:{agent}`, `{org}:{agent}:user:{user}` or
 * `{org}:{agent}:thread:{session}`. It is stored (the API shows it and filters on it) but never
 * parsed: `scope`, `user_id` and `session_id` are columns of their own.
 */
export function namespaceOf(organizationId: string, agentId: string, place: MemoryPlace): string {
  const base = `${organizationId}:${agentId}`;
  switch (place.scope) {
    case 'agent':
      return base;
    case 'user':
      return `${base}:user:${place.userId}`;
    case 'thread':
      return `${base}:thread:${place.sessionId}`;
  }
}

/** The columns a place fills. */
export function placeColumns(place: MemoryPlace): {
  scope: MemoryScope;
  userId: string | null;
  sessionId: string | null;
} {
  switch (place.scope) {
    case 'agent':
      return { scope: 'agent', userId: null, sessionId: null };
    case 'user':
      return { scope: 'user', userId: place.userId, sessionId: null };
    case 'thread':
      return { scope: 'thread', userId: place.userId ?? null, sessionId: place.sessionId };
  }
}

/**
 * The key two statements of the same thing share: lower case, punctuation and repeated spaces
 * gone. "My favourite colour is teal." and "my favourite colour is teal" reinforce one memory.
 */
export function contentKeyOf(content: string): string {
  return content
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The namespaces a turn (or a search) recalls from: always the agent's; the end user's when the
 * user is known; the thread's when the session is.
 */
export function recallNamespaces(
  organizationId: string,
  agentId: string,
  known: { userId?: string | null | undefined; sessionId?: string | null | undefined },
): string[] {
  const places: MemoryPlace[] = [{ scope: 'agent' }];
  if (known.userId) places.push({ scope: 'user', userId: known.userId });
  if (known.sessionId) places.push({ scope: 'thread', sessionId: known.sessionId });
  return places.map((place) => namespaceOf(organizationId, agentId, place));
}
