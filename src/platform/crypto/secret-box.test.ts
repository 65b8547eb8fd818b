import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, deriveKeyFromLocalSecret, parseSecretKey, SecretBoxError } from './secret-box.ts';
import { randomToken } from './tokens.ts';

const PLAINTEXT = 'sk-test-0123456789abcdef';
const box = createSecretBox(randomBytes(32));

/** Flips one bit of the decoded bytes of part `index`, so the change cannot hide in base64 padding. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

function expectUnreadable(open: () => string): SecretBoxError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    const boxError = error as SecretBoxError;
    expect(boxError.code).toBe('secret_unreadable');
    expect(boxError.message).not.toContain(PLAINTEXT);
    return boxError;
  }
  throw new Error('expected the secret box to refuse');
}

describe('createSecretBox', () => {
  it('opens what it sealed, in the versioned four-part format', () => {
    const sealed = box.seal(PLAINTEXT, 'row-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(PLAINTEXT);
    expect(box.open(sealed, 'row-1')).toBe(PLAINTEXT);
  });

  it('round-trips unicode and empty plaintexts', () => {
    const unicode = 'clé secrète 🔑 ключ 秘密';
    expect(box.open(box.seal(unicode))).toBe(unicode);
    expect(box.open(box.seal(''))).toBe('');
  });

  it('uses a fresh IV for every seal', () => {
    const first = box.seal(PLAINTEXT);
    const second = box.seal(PLAINTEXT);
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it.each([
    [1, 'iv'],
    [2, 'ciphertext'],
    [3, 'tag'],
  ])('detects a change to the %s part (%s)', (index) => {
    expectUnreadable(() => box.open(tamper(box.seal(PLAINTEXT, 'row-1'), index), 'row-1'));
  });

  it.each([
    ['another version', (sealed: string) => sealed.replace(/^v1/, 'v2')],
    ['a missing part', (sealed: string) => sealed.split('.').slice(0, 3).join('.')],
    ['an extra part', (sealed: string) => `${sealed}.AAAA`],
    ['a truncated tag', (sealed: string) => sealed.slice(0, -2)],
    ['characters outside base64url', (sealed: string) => sealed.replace('.', '.+')],
  ])('refuses %s', (_label, change) => {
    expectUnreadable(() => box.open(change(box.seal(PLAINTEXT))));
  });

  it('refuses a value sealed under another key', () => {
    const sealed = createSecretBox(randomBytes(32)).seal(PLAINTEXT, 'row-1');
    const error = expectUnreadable(() => box.open(sealed, 'row-1'));
    expect(error.cause).toBeDefined();
  });

  it('refuses a value opened with another context, such as a copy in another row', () => {
    const sealed = box.seal(PLAINTEXT, 'row-1');
    expectUnreadable(() => box.open(sealed, 'row-2'));
    expectUnreadable(() => box.open(sealed));
    expectUnreadable(() => box.open(box.seal(PLAINTEXT), 'row-1'));
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(SecretBoxError);
  });

  it('is not affected when the caller later overwrites its key buffer', () => {
    const key = randomBytes(32);
    const ownBox = createSecretBox(key);
    const sealed = ownBox.seal(PLAINTEXT);
    key.fill(0);
    expect(ownBox.open(sealed)).toBe(PLAINTEXT);
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);

  it.each([
    ['hex', key.toString('hex')],
    ['upper-case hex', key.toString('hex').toUpperCase()],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['base64 with surrounding whitespace', ` ${key.toString('base64')}\n`],
  ])('accepts %s', (_label, value) => {
    expect(parseSecretKey(value).equals(key)).toBe(true);
  });

  it.each([
    ['too short hex', randomBytes(16).toString('hex')],
    ['too short base64', randomBytes(31).toString('base64')],
    ['too long base64', randomBytes(48).toString('base64url')],
    ['a passphrase', 'correct horse battery staple'],
    ['nothing', ''],
  ])('refuses %s without echoing it', (_label, value) => {
    try {
      parseSecretKey(value);
      throw new Error('expected parseSecretKey to refuse');
    } catch (error) {
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as SecretBoxError).code).toBe('secret_key_invalid');
      if (value) expect((error as Error).message).not.toContain(value);
    }
  });
});

describe('deriveKeyFromLocalSecret', () => {
  it('turns a generated local secret into a stable 32-byte key', () => {
    const secret = randomToken(48);
    const key = deriveKeyFromLocalSecret(secret);
    expect(key).toHaveLength(32);
    expect(deriveKeyFromLocalSecret(`${secret}\n`).equals(key)).toBe(true);
    expect(deriveKeyFromLocalSecret(randomToken(48)).equals(key)).toBe(false);

    const sealed = createSecretBox(key).seal(PLAINTEXT, 'row-1');
    expect(createSecretBox(deriveKeyFromLocalSecret(secret)).open(sealed, 'row-1')).toBe(PLAINTEXT);
  });

  it('does not reuse the secret itself as the key', () => {
    const secret = randomToken(32);
    expect(deriveKeyFromLocalSecret(secret).equals(Buffer.from(secret, 'base64url'))).toBe(false);
  });

  it('refuses a secret too short to derive from', () => {
    expect(() => deriveKeyFromLocalSecret('short')).toThrow(SecretBoxError);
  });
});
