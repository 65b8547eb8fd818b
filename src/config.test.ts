import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, settingNames } from './config.ts';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      databaseUrl: undefined,
      jwtSecret: undefined,
      promptScreening: 'block',
      allowRegistration: true,
      accessTokenTtlSeconds: 900,
    });
    expect(config.dataDir).toBe(join(process.cwd(), 'data'));
  });

  it('names every invalid setting in one clear error', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', PROMPT_SCREENING: 'maybe', JWT_SECRET: 'short' });
    expect(attempt).toThrow(/^Invalid configuration:\n/);
    expect(attempt).toThrow(/\n {2}PORT: /);
    expect(attempt).toThrow(/\n {2}JWT_SECRET: JWT_SECRET must be at least 32 characters/);
    expect(attempt).toThrow(/\n {2}PROMPT_SCREENING: /);
  });

  it('reads a secret from <NAME>_FILE and refuses both forms at once', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agentry-config-')), 'jwt');
    writeFileSync(file, 'a-secret-from-a-file-that-is-long-enough\n');
    expect(loadConfig({ JWT_SECRET_FILE: file }).jwtSecret).toBe('a-secret-from-a-file-that-is-long-enough');
    expect(() => loadConfig({ JWT_SECRET_FILE: file, JWT_SECRET: 'x'.repeat(40) })).toThrow(
      /either JWT_SECRET or/,
    );
    expect(() => loadConfig({ JWT_SECRET_FILE: '/nonexistent/jwt' })).toThrow(/cannot read/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 8000 });
  });

  it('parses booleans strictly', () => {
    expect(loadConfig({ ALLOW_REGISTRATION: 'false' }).allowRegistration).toBe(false);
    expect(() => loadConfig({ ALLOW_REGISTRATION: 'nope' })).toThrow(/ALLOW_REGISTRATION/);
  });
});

describe('.env.example', () => {
  it('documents every setting', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of settingNames) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
