import { z } from 'zod';
import { parseSecretKey } from './platform/crypto/secret-box.ts';
import { createOutboundGuard } from './platform/http/outbound-guard.ts';

// Setting values that need more than a zod primitive, each checked the way the part that reads it does.

export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const isSecretKey = (value: string) => {
  try {
    parseSecretKey(value);
    return true;
  } catch {
    return false;
  }
};

/** An http(s) URL without credentials: operator endpoints are shown in logs and errors. */
export const endpointUrl = z
  .url({ protocol: /^https?$/ })
  .refine((value) => {
    const url = new URL(value);
    return !url.username && !url.password;
  }, 'must not contain a user name or password')
  .transform((value) => value.replace(/\/+$/, ''));

/** Comma-separated OUTBOUND_ALLOWLIST entries, each checked the way the outbound guard reads it. */
export const allowlist = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .superRefine((entries, context) => {
    for (const entry of entries) {
      try {
        createOutboundGuard({ allowlist: [entry] });
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }
  });

const modelPrice = z
  .object({ input: z.number().min(0), output: z.number().min(0) })
  .strict()
  .describe('USD per million input and output tokens');

/** MODEL_PRICES: a JSON object `{"model id": {"input": n, "output": n}}`, over the built-in table. */
export const modelPrices = z
  .string()
  .default('{}')
  .transform((value, context) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({
        code: 'custom',
        message: 'must be a JSON object such as {"gpt-4o": {"input": 2.5, "output": 10}}',
      });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), modelPrice));
