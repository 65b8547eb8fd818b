import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf } from '../src/modules/tenancy/roles.ts';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let app: TestApp;
let admin: TestAccount;
let reader: TestAccount;
let agentUser: TestAccount;
let outsider: TestAccount;

beforeAll(async () => {
  app = await startTestApp();
  admin = await registerAccount(app.http, 'Key Admin');
  reader = await addMember(app.http, admin, 'readonly');
  agentUser = await addMember(app.http, admin, 'agent_user');
  outsider = await registerAccount(app.http, 'Outsider');
});
afterAll(() => app.close());

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  role: string;
}

const createKey = (token: string, body: Record<string, unknown>) =>
  app.http.post('/api/v1/api-keys', body, { token });

async function newKey(owner: { token: string }, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  const response = await createKey(owner.token, { name: `key-${randomUUID()}`, ...body });
  if (response.status !== 201)
    throw new Error(`create key failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const me = (token: string) => app.http.get('/api/v1/me', { token });
const listKeys = (token: string) => app.http.get('/api/v1/api-keys', { token });
const getKey = (token: string, id: string) => app.http.get(`/api/v1/api-keys/${id}`, { token });
const revokeKey = (token: string, id: string) => app.http.delete(`/api/v1/api-keys/${id}`, { token });
const idsOf = (response: ApiResponse) => response.body.map((key: { id: string }) => key.id);

describe('POST /api-keys', () => {
  it('returns the key once, with its prefix, defaulting to the creator’s role', async () => {
    const response = await createKey(admin.token, { name: '  CI pipeline  ' });
    expect(response.status).toBe(201);
    const { body } = response;
    expect(body.key).toMatch(/^agk_[0-9a-f]{12}[A-Za-z0-9_-]{43}$/);
    expect(body.prefix).toMatch(/^agk_[0-9a-f]{12}$/);
    expect(body.key.startsWith(body.prefix)).toBe(true);
    expect(body).toMatchObject({
      name: 'CI pipeline',
      role: 'org_admin',
      created_by_user_id: admin.userId,
      created_by_api_key_id: null,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });
    const other = await newKey(admin);
    expect(other.key).not.toBe(body.key);
    expect(other.prefix).not.toBe(body.prefix);
  });

  it('accepts a role up to the creator’s own', async () => {
    const key = await newKey(agentUser, { role: 'readonly' });
    expect(key.role).toBe('readonly');
    expect((await newKey(agentUser)).role).toBe('agent_user');
  });

  it.each([
    ['agent_user', 'org_admin'],
    ['agent_user', 'agent_admin'],
    ['readonly', 'agent_user'],
  ])('forbids a %s to create a %s key (403)', async (creator, role) => {
    const account = creator === 'readonly' ? reader : agentUser;
    expectError(await createKey(account.token, { name: 'escalate', role }), 403, 'authorization_error');
    expect(JSON.stringify((await listKeys(account.token)).body)).not.toContain('escalate');
  });

  it('rejects an expiry in the past (400 invalid_expiry) and malformed input (422)', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    expectError(await createKey(admin.token, { name: 'old', expires_at: past }), 400, 'invalid_expiry');
    const notADate = await createKey(admin.token, { name: 'bad', expires_at: 'tomorrow' });
    expectError(notADate, 422, 'validation_error');
    expect(notADate.body.validation_errors.map((error: { field: string }) => error.field)).toEqual([
      'expires_at',
    ]);
    const noName = await createKey(admin.token, { name: '   ' });
    expectError(noName, 422, 'validation_error');
    expect(noName.body.validation_errors[0].field).toBe('name');
    expectError(await createKey(admin.token, { name: 'x', role: 'root' }), 422, 'validation_error');
    expectError(await createKey(admin.token, { name: 'x', key: 'agk_chosen' }), 422, 'validation_error');
  });

  it('requires authentication', async () => {
    expectError(await app.http.post('/api/v1/api-keys', { name: 'anonymous' }), 401, 'authentication_error');
  });
});

describe('listing and reading keys', () => {
  let adminKey: CreatedKey;
  let readerKey: CreatedKey;
  let agentUserKey: CreatedKey;

  beforeAll(async () => {
    adminKey = await newKey(admin);
    readerKey = await newKey(reader);
    agentUserKey = await newKey(agentUser);
  });

  it('shows prefixes but never a key’s secret', async () => {
    const list = await listKeys(admin.token);
    expect(list.status).toBe(200);
    const listed = list.body.find((key: { id: string }) => key.id === adminKey.id);
    expect(listed).toMatchObject({ prefix: adminKey.prefix, role: 'org_admin' });
    expect(listed).not.toHaveProperty('key');
    const single = await getKey(admin.token, adminKey.id);
    expect(single.status).toBe(200);
    expect(single.body).not.toHaveProperty('key');
    for (const { key, prefix } of [adminKey, readerKey, agentUserKey]) {
      const secret = key.slice(prefix.length);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect(JSON.stringify(single.body)).not.toContain(secret);
    }
  });

  it('lists every key of the organization to an org_admin, newest first', async () => {
    const ids = idsOf(await listKeys(admin.token));
    expect(ids).toEqual(expect.arrayContaining([adminKey.id, readerKey.id, agentUserKey.id]));
    expect(ids.indexOf(agentUserKey.id)).toBeLessThan(ids.indexOf(adminKey.id));
    expect(idsOf(await listKeys(outsider.token))).toEqual([]);
  });

  it('lists only their own keys to readonly and agent_user members', async () => {
    expect(idsOf(await listKeys(reader.token))).toEqual([readerKey.id]);
    expect(idsOf(await listKeys(agentUser.token))).toEqual(
      expect.not.arrayContaining([adminKey.id, readerKey.id]),
    );
    expect(idsOf(await listKeys(agentUser.token))).toContain(agentUserKey.id);
    expect((await getKey(reader.token, readerKey.id)).status).toBe(200);
  });

  it('forbids reading another member’s key to a non-admin', async () => {
    expectError(await getKey(reader.token, agentUserKey.id), 403, 'authorization_error');
    expect((await getKey(admin.token, readerKey.id)).body.id).toBe(readerKey.id);
  });

  it('forbids another organization’s key (403) and reports unknown ids (404)', async () => {
    expectError(await getKey(outsider.token, adminKey.id), 403, 'authorization_error');
    expectError(await revokeKey(outsider.token, adminKey.id), 403, 'authorization_error');
    expect((await me(adminKey.key)).status).toBe(200);
    expectError(await getKey(admin.token, randomUUID()), 404, 'not_found');
    expectError(await revokeKey(admin.token, randomUUID()), 404, 'not_found');
    expectError(await getKey(admin.token, 'not-a-uuid'), 422, 'validation_error');
  });
});

describe('authenticating with a key', () => {
  it('authenticates GET /me as the key, with the key’s role', async () => {
    const key = await newKey(agentUser, { role: 'readonly' });
    const response = await me(key.key);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      principal_type: 'api_key',
      role: 'readonly',
      user: null,
      api_key: { id: key.id, prefix: key.prefix },
      organization: { id: admin.organizationId },
    });
    expect([...response.body.permissions].sort()).toEqual([...permissionsOf('readonly')].sort());
    expect(response.body.permissions).not.toContain('agents:write');
    expect(response.body.api_key).not.toHaveProperty('key');
    expect(JSON.stringify(response.body)).not.toContain(key.key.slice(key.prefix.length));
    expect(app.logs.join('\n')).not.toContain(key.key.slice(key.prefix.length));
  });

  it('enforces the key’s role, not its creator’s', async () => {
    const key = await newKey(admin, { role: 'readonly' });
    expect((await app.http.get('/api/v1/agents', { token: key.key })).status).toBe(200);
    expectError(
      await app.http.post('/api/v1/agents', { name: 'x' }, { token: key.key }),
      403,
      'authorization_error',
    );
    expectError(await app.http.get('/api/v1/users', { token: key.key }), 403, 'authorization_error');
    expect(idsOf(await listKeys(key.key))).toEqual([key.id]);
  });

  it('lets an org_admin key manage members of its organization', async () => {
    const key = await newKey(admin);
    const body = {
      email: `by-key-${randomUUID()}@example.com`,
      password: 'KeyMadePassword1!',
      full_name: 'K',
      role: 'readonly',
    };
    const created = await app.http.post('/api/v1/users', body, { token: key.key });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ organization_id: admin.organizationId, role: 'readonly' });
    expect((await app.http.get(`/api/v1/users/${outsider.userId}`, { token: key.key })).status).toBe(403);
  });

  it('refuses a key whose secret part was altered, or an unknown prefix', async () => {
    const key = await newKey(admin);
    const last = key.key.at(-1) === 'A' ? 'B' : 'A';
    expectError(await me(`${key.key.slice(0, -1)}${last}`), 401, 'invalid_token');
    expectError(await me(key.key.slice(0, -1)), 401, 'invalid_token');
    expectError(await me(`agk_000000000000${key.key.slice(key.prefix.length)}`), 401, 'invalid_token');
    expect((await me(key.key)).status).toBe(200);
  });

  it('lets a key create keys up to its own role, and manage them', async () => {
    const parent = await newKey(admin, { role: 'agent_user' });
    expectError(await createKey(parent.key, { name: 'up', role: 'agent_admin' }), 403, 'authorization_error');
    const child = await newKey({ token: parent.key }, { role: 'readonly' });
    const created = await getKey(parent.key, child.id);
    expect(created.body).toMatchObject({ created_by_user_id: null, created_by_api_key_id: parent.id });
    expect(idsOf(await listKeys(parent.key)).sort()).toEqual([parent.id, child.id].sort());
    expect((await revokeKey(parent.key, child.id)).status).toBe(204);
    expectError(await me(child.key), 401, 'invalid_token');
  });

  it('records last_used_at after the key is used', async () => {
    const key = await newKey(admin);
    expect((await getKey(admin.token, key.id)).body.last_used_at).toBeNull();
    const before = Date.now();
    expect((await me(key.key)).status).toBe(200);
    await expect
      .poll(async () => (await getKey(admin.token, key.id)).body.last_used_at, { timeout: 5_000 })
      .not.toBeNull();
    const lastUsed = Date.parse((await getKey(admin.token, key.id)).body.last_used_at);
    expect(lastUsed).toBeGreaterThanOrEqual(before - 1_000);
    expect(lastUsed).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('stops accepting a key once it expires', async () => {
    const expiresAt = new Date(Date.now() + 2_000);
    const key = await newKey(admin, { expires_at: expiresAt.toISOString() });
    expect(Date.parse((await getKey(admin.token, key.id)).body.expires_at)).toBe(expiresAt.getTime());
    expect((await me(key.key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now()) + 500));
    expectError(await me(key.key), 401, 'invalid_token');
  });
});

describe('DELETE /api-keys/{id}', () => {
  it('lets a member revoke their own key, effective immediately', async () => {
    const key = await newKey(reader);
    expect((await me(key.key)).status).toBe(200);
    const revoked = await revokeKey(reader.token, key.id);
    expect(revoked.status).toBe(204);
    expect(revoked.body).toBe('');
    expectError(await me(key.key), 401, 'invalid_token');
    const stored = await getKey(reader.token, key.id);
    expect(stored.body.revoked_at).not.toBeNull();
    expect((await revokeKey(reader.token, key.id)).status).toBe(204);
    expect((await getKey(reader.token, key.id)).body.revoked_at).toBe(stored.body.revoked_at);
  });

  it('forbids a non-admin to revoke another member’s key, and lets an org_admin do it', async () => {
    const key = await newKey(agentUser);
    expectError(await revokeKey(reader.token, key.id), 403, 'authorization_error');
    expect((await me(key.key)).status).toBe(200);
    expect((await revokeKey(admin.token, key.id)).status).toBe(204);
    expectError(await me(key.key), 401, 'invalid_token');
    expect((await getKey(agentUser.token, key.id)).body.revoked_at).not.toBeNull();
  });

  it('leaves other keys working', async () => {
    const kept = await newKey(reader);
    const revoked = await newKey(reader);
    expect((await revokeKey(reader.token, revoked.id)).status).toBe(204);
    expect((await me(kept.key)).status).toBe(200);
  });
});
