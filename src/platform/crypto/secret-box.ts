import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../http/errors.ts';

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const LOCAL_SECRET_INFO = 'agentry secret-box key v1';

/** A secret could not be sealed or opened. The message never contains the key or the plaintext. */
export class SecretBoxError extends AppError {
  constructor(code: 'secret_key_invalid' | 'secret_unreadable', message: string, cause?: unknown) {
    super(code, message, { status: 500, category: 'system', cause });
  }
}

export interface SecretBox {
  /** Encrypts `plaintext`; `context` (e.g. the owning row's id) must be given again to open it. */
  seal(plaintext: string, context?: string): string;
  open(sealed: string, context?: string): string;
}

// The version is authenticated with the context, so a v1 ciphertext can never be opened as a later
// format. An absent context is the same as an empty one.
function additionalData(context: string | undefined): Buffer {
  return Buffer.from(`agentry-secret-box:${VERSION}:${context ?? ''}`, 'utf8');
}

function unreadable(cause?: unknown): SecretBoxError {
  return new SecretBoxError(
    'secret_unreadable',
    'A stored secret could not be decrypted: wrong key, wrong context or altered data',
    cause,
  );
}

function decodePart(part: string | undefined, expectedBytes?: number): Buffer {
  if (part === undefined || !BASE64URL.test(part)) throw unreadable();
  const bytes = Buffer.from(part, 'base64url');
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) throw unreadable();
  return bytes;
}

/**
 * AES-256-GCM for secrets at rest. A sealed value reads `v1.<iv>.<ciphertext>.<tag>`, each part
 * base64url; the IV is random per seal, so equal plaintexts give different sealed values.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError('secret_key_invalid', `The secret key must be ${KEY_BYTES} bytes`);
  }
  const ownKey = Buffer.from(key);

  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },

    open(sealed, context) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw unreadable();
      const iv = decodePart(parts[1], IV_BYTES);
      const ciphertext = decodePart(parts[2]);
      const tag = decodePart(parts[3], TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(context));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch (error) {
        throw unreadable(error);
      }
    },
  };
}

/**
 * Parses `AGENTRY_SECRET_KEY`: exactly 32 bytes, written as 64 hex characters or as base64 or
 * base64url (`openssl rand -hex 32`, `openssl rand -base64 32`). Other lengths are refused rather
 * than stretched, so a short passphrase can never become the key by accident.
 */
export function parseSecretKey(value: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const key = Buffer.from(text, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new SecretBoxError(
    'secret_key_invalid',
    `AGENTRY_SECRET_KEY must be ${KEY_BYTES} bytes written as 64 hex characters or as base64 ` +
      `(for example the output of "openssl rand -hex 32")`,
  );
}

/**
 * The key for the embedded default, from a secret made by `readOrCreateLocalSecret` (48 random
 * bytes, base64url). HKDF rather than parsing: that file format is shared with other local secrets
 * and already on disk, and the fixed info string keeps this key independent of any other key
 * derived from the same file.
 */
export function deriveKeyFromLocalSecret(secret: string): Buffer {
  const material = secret.trim();
  if (material.length < 32) {
    throw new SecretBoxError('secret_key_invalid', 'The local secret is too short to derive a key from');
  }
  return Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), LOCAL_SECRET_INFO, KEY_BYTES));
}
