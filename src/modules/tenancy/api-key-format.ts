import { randomBytes } from 'node:crypto';
import { randomToken } from '../../platform/crypto/tokens.ts';

const MARKER = 'agk_';
/** `agk_` and 12 hex characters: unique, stored in clear, shown in lists to recognize a key. */
export const API_KEY_PREFIX_LENGTH = MARKER.length + 12;

export const isApiKey = (credential: string): boolean => credential.startsWith(MARKER);

/** A new key: the public prefix followed by 256 random bits. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `${MARKER}${randomBytes(6).toString('hex')}`;
  return { key: `${prefix}${randomToken(32)}`, prefix };
}
