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

describe('provider settings', () => {
  it('have safe defaults: no operator providers, shared when configured, a 15 second validation', () => {
    expect(loadConfig({})).toMatchObject({
      secretKey: undefined,
      outboundAllowlist: [],
      operatorProviders: [],
      operatorProvidersShared: true,
      providerValidationTimeoutSeconds: 15,
    });
  });

  it('accept a secret key of 32 bytes in hex or base64 and refuse anything else', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ AGENTRY_SECRET_KEY: hex }).secretKey).toBe(hex);
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ AGENTRY_SECRET_KEY: base64 }).secretKey).toBe(base64);
    expect(() => loadConfig({ AGENTRY_SECRET_KEY: 'a passphrase' })).toThrow(
      /AGENTRY_SECRET_KEY: AGENTRY_SECRET_KEY must be 32 bytes .*openssl rand -hex 32/,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'agentry-config-')), 'secret-key');
    writeFileSync(file, `${hex}\n`);
    expect(loadConfig({ AGENTRY_SECRET_KEY_FILE: file }).secretKey).toBe(hex);
  });

  it('read the outbound allowlist as a comma-separated list and name a bad entry', () => {
    const config = loadConfig({ OUTBOUND_ALLOWLIST: ' 127.0.0.1, ollama.internal:11434 ,10.0.0.0/8,' });
    expect(config.outboundAllowlist).toEqual(['127.0.0.1', 'ollama.internal:11434', '10.0.0.0/8']);
    expect(() => loadConfig({ OUTBOUND_ALLOWLIST: '10.0.0.0/99' })).toThrow(
      /OUTBOUND_ALLOWLIST: Invalid OUTBOUND_ALLOWLIST entry "10.0.0.0\/99"/,
    );
  });

  it('describe the operator providers that are configured, and only those', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-operator',
      ANTHROPIC_BASE_URL: 'https://anthropic.example/v1/',
      OLLAMA_BASE_URL: 'http://127.0.0.1:11434',
      OPERATOR_PROVIDERS_SHARED: 'false',
    });
    expect(config.operatorProviders).toEqual([
      { type: 'openai', baseUrl: null, apiKey: 'sk-operator' },
      { type: 'anthropic', baseUrl: 'https://anthropic.example/v1', apiKey: null },
      { type: 'ollama', baseUrl: 'http://127.0.0.1:11434', apiKey: null },
    ]);
    expect(config.operatorProvidersShared).toBe(false);
    expect(() => loadConfig({ OPENAI_BASE_URL: 'ftp://files.example' })).toThrow(/OPENAI_BASE_URL/);
    expect(() => loadConfig({ OLLAMA_BASE_URL: 'http://user:pw@ollama.internal' })).toThrow(
      /OLLAMA_BASE_URL: must not contain a user name or password/,
    );
  });
});

describe('.env.example', () => {
  it('documents every setting', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of settingNames) expect(example).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});

describe('execution settings', () => {
  it('reads the model-call resilience settings and MODEL_PRICES', () => {
    const config = loadConfig({
      LLM_RETRY_MAX_ATTEMPTS: '4',
      LLM_CALL_TIMEOUT_SECONDS: '30',
      LLM_BREAKER_RECOVERY_SECONDS: '10',
      MODEL_PRICES: '{"my-model": {"input": 0.5, "output": 1.5}}',
    });
    expect(config.llmResilience).toEqual({
      retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 },
      callTimeoutMs: 30_000,
      breaker: { failureThreshold: 5, recoveryTimeoutMs: 10_000 },
    });
    expect(config.modelPrices).toEqual({ 'my-model': { input: 0.5, output: 1.5 } });
    expect(loadConfig({}).modelPrices).toEqual({});
  });

  it('refuses MODEL_PRICES that is not a JSON object of prices', () => {
    expect(() => loadConfig({ MODEL_PRICES: 'gpt-4o=1' })).toThrow(/MODEL_PRICES: must be a JSON object/);
    expect(() => loadConfig({ MODEL_PRICES: '{"gpt-4o": {"input": -1, "output": 1}}' })).toThrow(
      /MODEL_PRICES/,
    );
    expect(() => loadConfig({ MODEL_PRICES: '{"gpt-4o": {"input": 1}}' })).toThrow(/MODEL_PRICES/);
  });
});

describe('email settings', () => {
  it('run no SMTP listener unless EMAIL_SMTP_PORT is set, and read its address and size limit', () => {
    expect(loadConfig({}).email).toEqual({
      smtpPort: null,
      smtpHost: '127.0.0.1',
      maxMessageBytes: 10 * 1024 * 1024,
    });
    expect(
      loadConfig({ EMAIL_SMTP_PORT: '2525', EMAIL_SMTP_HOST: '0.0.0.0', EMAIL_MAX_MESSAGE_BYTES: '1048576' })
        .email,
    ).toEqual({ smtpPort: 2525, smtpHost: '0.0.0.0', maxMessageBytes: 1_048_576 });
    expect(loadConfig({ EMAIL_SMTP_PORT: '0' }).email.smtpPort).toBe(0);
    expect(() => loadConfig({ EMAIL_SMTP_PORT: '70000' })).toThrow(/EMAIL_SMTP_PORT/);
    expect(() => loadConfig({ EMAIL_MAX_MESSAGE_BYTES: '10' })).toThrow(/EMAIL_MAX_MESSAGE_BYTES/);
  });
});
