import { expect } from 'vitest';
import type { ApiResponse } from './http-client.ts';

/** The standard error body, with its correlation id matching the X-Request-ID header. */
export function expectError(response: ApiResponse, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toMatchObject({
    error: true,
    code,
    message: expect.any(String),
    correlation_id: response.headers.get('x-request-id'),
    timestamp: expect.any(String),
    path: expect.stringMatching(/^\/api\/v1\//),
  });
}
