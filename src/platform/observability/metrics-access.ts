import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an Authorization header carries `Bearer <token>`, compared in constant time: both sides
 * are hashed first, so that neither the token's content nor its length leaks through timing.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(authorization ?? '');
  const presented = match?.[1]?.trim() ?? '';
  // Compared even when absent: a missing header takes as long as a wrong one.
  return timingSafeEqual(digest(presented), digest(token)) && presented !== '';
}
