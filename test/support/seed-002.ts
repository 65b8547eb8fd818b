import { expect } from 'vitest';
import type { TestAccount } from './accounts.ts';
import type { ApiResponse, HttpClient } from './http-client.ts';

/** The body of a response whose status is the one expected (the body explains it when not). */
export function expectStatus(response: ApiResponse, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

/** Seed 002's registry.spawn_instance: a new agent of the account's organization (201). */
export async function spawnInstance(http: HttpClient, account: TestAccount, body: Record<string, unknown>) {
  return expectStatus(
    await http.post('/api/v1/agents', { name: 'Instance', ...body }, { token: account.token }),
    201,
  );
}

/** An agent as it reads now. */
export async function readAgent(http: HttpClient, account: TestAccount, agentId: string) {
  return expectStatus(await http.get(`/api/v1/agents/${agentId}`, { token: account.token }), 200);
}
