import { Writable } from 'node:stream';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { withCorrelationId } from './correlation.ts';
import { loggerOptions, requestChildLogger } from './logger.ts';

/** A logger with Agentry's options, and the lines it wrote. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = pino(
    loggerOptions('info'),
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  return { lines, logger };
}

describe('logger redaction', () => {
  it('replaces provider keys wherever a connection, a row or an outbound request carries them', () => {
    const { lines, logger } = capturedLogger();
    logger.info(
      {
        connection: { apiKey: 'sk-secret-1' },
        row: { apiKeyCiphertext: 'v1.secret-2', api_key_ciphertext: 'v1.secret-3' },
        request: { headers: { authorization: 'Bearer sk-secret-4', 'x-api-key': 'sk-secret-5' } },
        body: { api_key: 'sk-secret-6' },
      },
      'calling a provider',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/secret-\d/);
    expect(lines[0]).toContain('[redacted]');
  });
});

describe('logged errors', () => {
  it('keep a failed statement and its cause, never its parameters', () => {
    const { lines, logger } = capturedLogger();
    const cause = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    const error = new DrizzleQueryError(
      'insert into "users" ("email", "password_hash") values ($1, $2)',
      ['me@example.com', 'scrypt$secret-hash\nsecond line'],
      cause,
    );
    logger.error({ err: error }, 'unhandled error');
    const line = JSON.parse(lines[0] as string);
    expect(lines[0]).not.toContain('secret-hash');
    expect(lines[0]).not.toContain('me@example.com');
    expect(line.err.message).toBe(
      'Failed query: insert into "users" ("email", "password_hash") values ($1, $2)',
    );
    expect(line.err.stack).toContain('at ');
    expect(JSON.stringify(line.err)).toContain('Connection terminated unexpectedly');
  });
});

describe('the correlation id on log lines', () => {
  it('is written as request_id on the lines of the work it belongs to, and only there', () => {
    const { lines, logger } = capturedLogger();
    logger.info('before');
    withCorrelationId('work-1', () => logger.child({ module: 'probe' }).info('during'));
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed[0].request_id).toBeUndefined();
    expect(parsed[1]).toMatchObject({ request_id: 'work-1', module: 'probe', msg: 'during' });
  });

  it('is written once on the lines of a request logger, which binds it already', () => {
    const { lines, logger } = capturedLogger();
    const requestLogger = requestChildLogger.call(
      undefined as never,
      logger,
      { request_id: 'request-1' },
      {},
      undefined as never,
    );
    withCorrelationId('request-1', () => {
      requestLogger.info('request line');
      requestLogger.child({ part: 'nested' }).info('nested line');
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.match(/"request_id":"request-1"/g)).toHaveLength(1);
  });
});
