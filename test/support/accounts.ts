import { randomUUID } from 'node:crypto';
import type { HttpClient } from './http-client.ts';

export const TEST_PASSWORD = 'TestPassword123!';

export interface TestAccount {
  token: string;
  refreshToken: string;
  userId: string;
  organizationId: string;
  email: string;
}

/** Registers a new user, and with it a new organization of which the user is org_admin. */
export async function registerAccount(http: HttpClient, name = 'Test User'): Promise<TestAccount> {
  const email = `user-${randomUUID()}@example.com`;
  const response = await http.post('/api/v1/auth/register', {
    email,
    password: TEST_PASSWORD,
    full_name: name,
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return {
    token: response.body.access_token,
    refreshToken: response.body.refresh_token,
    userId: response.body.user.id,
    organizationId: response.body.organization.id,
    email,
  };
}

/** Adds a member with `role` to the admin's organization and signs them in. */
export async function addMember(http: HttpClient, admin: TestAccount, role: string): Promise<TestAccount> {
  const email = `member-${randomUUID()}@example.com`;
  const created = await http.post(
    '/api/v1/users',
    { email, password: TEST_PASSWORD, full_name: `A ${role}`, role },
    { token: admin.token },
  );
  if (created.status !== 201)
    throw new Error(`add member failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await http.post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
  return {
    token: login.body.access_token,
    refreshToken: login.body.refresh_token,
    userId: created.body.id,
    organizationId: admin.organizationId,
    email,
  };
}
