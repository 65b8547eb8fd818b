import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionMatrix, permissionsOf } from '../src/modules/tenancy/roles.ts';
import { addMember, registerAccount, TEST_PASSWORD, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import type { ApiResponse } from './support/http-client.ts';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** Every permission exists in the matrix; an org_admin holds them all. */
const allPermissions = Object.keys(permissionMatrix);

/** The fields a 422 names, e.g. ['password']. */
const invalidFields = (response: ApiResponse) =>
  (response.body.validation_errors as { field: string }[]).map(({ field }) => field);

const uniqueEmail = () => `person-${randomUUID()}@example.com`;
const register = (body: Record<string, unknown>) => app.http.post('/api/v1/auth/register', body);
const login = (email: string, password = TEST_PASSWORD) =>
  app.http.post('/api/v1/auth/login', { email, password });
const refresh = (token: string) => app.http.post('/api/v1/auth/refresh', { refresh_token: token });
const me = (token?: string) => app.http.get('/api/v1/me', { token });

function signToken(
  claims: Record<string, unknown>,
  options: { secret?: string; exp?: number; audience?: string },
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('agentry')
    .setAudience(options.audience ?? 'agentry-api')
    .setIssuedAt(now - 3600)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

describe('POST /auth/register', () => {
  it('creates an organization with the caller as org_admin and returns tokens', async () => {
    const email = uniqueEmail();
    const response = await register({ email, password: TEST_PASSWORD, full_name: 'Ada Admin' });
    expect(response.status).toBe(201);
    const { body } = response;
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(body.refresh_token).toMatch(/^rt_/);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900 });
    expect(body.user).toMatchObject({ email, full_name: 'Ada Admin', role: 'org_admin', status: 'active' });
    expect(body.user.last_login_at).toBeNull();
    expect(body.organization).toMatchObject({
      name: "Ada Admin's organization",
      status: 'active',
      tier: 'free',
    });
    expect(body.organization.slug).toMatch(/^ada-admin-s-organization-[a-z0-9]+$/);
    expect(body.user.organization_id).toBe(body.organization.id);
    expect(body.user).not.toHaveProperty('password_hash');
    expect((await me(body.access_token)).body.user.id).toBe(body.user.id);
  });

  it('uses organization_name when given and a distinct organization per account', async () => {
    const first = await register({
      email: uniqueEmail(),
      password: TEST_PASSWORD,
      full_name: 'A',
      organization_name: 'Acme',
    });
    const second = await register({
      email: uniqueEmail(),
      password: TEST_PASSWORD,
      full_name: 'B',
      organization_name: 'Acme',
    });
    expect(first.body.organization.name).toBe('Acme');
    expect(second.body.organization.id).not.toBe(first.body.organization.id);
    expect(second.body.organization.slug).not.toBe(first.body.organization.slug);
  });

  it('normalizes the email to lower case, so a case variant is the same account', async () => {
    const local = `Mixed.Case-${randomUUID()}`;
    const response = await register({
      email: `${local}@Example.COM`,
      password: TEST_PASSWORD,
      full_name: 'M',
    });
    expect(response.status).toBe(201);
    expect(response.body.user.email).toBe(`${local.toLowerCase()}@example.com`);
    expect((await login(`${local.toUpperCase()}@EXAMPLE.com`)).status).toBe(200);
    expect((await login(`  ${local}@example.com `)).status).toBe(200);
    const duplicate = await register({
      email: `${local.toLowerCase()}@example.com`,
      password: TEST_PASSWORD,
      full_name: 'M',
    });
    expectError(duplicate, 409, 'email_taken');
  });

  it('rejects an email already registered with 409 email_taken', async () => {
    const email = uniqueEmail();
    expect((await register({ email, password: TEST_PASSWORD, full_name: 'One' })).status).toBe(201);
    expectError(
      await register({ email, password: 'AnotherPassword1!', full_name: 'Two' }),
      409,
      'email_taken',
    );
    expect((await login(email, 'AnotherPassword1!')).status).toBe(401);
  });

  it.each([
    ['a weak password', { password: 'short1!' }, 'password'],
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['a missing full_name', { full_name: undefined }, 'full_name'],
    ['an unknown field', { is_superuser: true }, 'is_superuser'],
  ])('rejects %s with 422 naming the field', async (_case, override, field) => {
    const response = await register({
      email: uniqueEmail(),
      password: TEST_PASSWORD,
      full_name: 'V',
      ...override,
    });
    expectError(response, 422, 'validation_error');
    expect(invalidFields(response)).toEqual([field]);
    expect(response.body.validation_errors[0]).toMatchObject({
      location: 'body',
      message: expect.any(String),
    });
  });

  it('never echoes or logs the password', async () => {
    const password = `Secret-${randomUUID()}`;
    const weak = `W${randomUUID().slice(0, 6)}`;
    const email = uniqueEmail();
    const responses = [
      await register({ email, password, full_name: 'Quiet' }),
      await register({ email, password, full_name: 'Quiet' }),
      await register({ email: uniqueEmail(), password: weak, full_name: 'Quiet' }),
      await register({ email: 'broken', password, full_name: 'Quiet' }),
      await login(email, password),
      await login(email, `${password}-wrong`),
    ];
    expect(responses.map((response) => response.status)).toEqual([201, 409, 422, 422, 200, 401]);
    for (const secret of [password, weak]) {
      expect(JSON.stringify(responses.map(({ body }) => body))).not.toContain(secret);
      expect(app.logs.join('\n')).not.toContain(secret);
    }
    const { access_token, refresh_token } = responses[4]?.body ?? {};
    await me(access_token);
    await refresh(refresh_token);
    expect(app.logs.join('\n')).not.toContain(access_token);
    expect(app.logs.join('\n')).not.toContain(refresh_token);
  });

  it('answers 403 when registration is closed', async () => {
    const closed = await startTestApp({ ALLOW_REGISTRATION: 'false' });
    try {
      const response = await closed.http.post('/api/v1/auth/register', {
        email: uniqueEmail(),
        password: TEST_PASSWORD,
        full_name: 'Late',
      });
      expectError(response, 403, 'authorization_error');
    } finally {
      await closed.close();
    }
  });
});

describe('POST /auth/login', () => {
  it('returns tokens and records last_login_at', async () => {
    const account = await registerAccount(app.http);
    const before = Date.now();
    const response = await login(account.email);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 900,
      user: { id: account.userId },
    });
    expect(response.body.refresh_token).not.toBe(account.refreshToken);
    const lastLogin = Date.parse(response.body.user.last_login_at);
    expect(lastLogin).toBeGreaterThanOrEqual(before - 1000);
    expect(lastLogin).toBeLessThanOrEqual(Date.now() + 1000);
    const stored = await app.http.get(`/api/v1/users/${account.userId}`, {
      token: response.body.access_token,
    });
    expect(stored.body.last_login_at).toBe(response.body.user.last_login_at);
  });

  it('answers a wrong password and an unknown email identically (401 invalid_credentials)', async () => {
    const account = await registerAccount(app.http);
    const wrong = await login(account.email, 'WrongPassword123!');
    const unknown = await login(uniqueEmail());
    expectError(wrong, 401, 'invalid_credentials');
    expectError(unknown, 401, 'invalid_credentials');
    expect(unknown.body.message).toBe(wrong.body.message);
  });

  it('rejects a body without a password with 422', async () => {
    const response = await app.http.post('/api/v1/auth/login', { email: uniqueEmail() });
    expectError(response, 422, 'validation_error');
    expect(invalidFields(response)).toEqual(['password']);
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: the new refresh token works, the old one is refused', async () => {
    const account = await registerAccount(app.http);
    const first = await refresh(account.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(account.refreshToken);
    expect(first.body.user.id).toBe(account.userId);
    expect((await me(first.body.access_token)).status).toBe(200);
    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expectError(await refresh(first.body.refresh_token), 401, 'invalid_refresh_token');
  });

  it('revokes the whole family when a rotated token is reused, and only that family', async () => {
    const account = await registerAccount(app.http);
    const otherSession = await login(account.email);
    const rotated = await refresh(account.refreshToken);
    expect(rotated.status).toBe(200);
    expectError(await refresh(account.refreshToken), 401, 'invalid_refresh_token');
    expectError(await refresh(rotated.body.refresh_token), 401, 'invalid_refresh_token');
    expect((await refresh(otherSession.body.refresh_token)).status).toBe(200);
  });

  it('refuses a garbage token (401) and an empty one (422)', async () => {
    expectError(await refresh(`rt_${randomUUID()}`), 401, 'invalid_refresh_token');
    expectError(await refresh(''), 422, 'validation_error');
  });
});

describe('GET /me and bearer authentication', () => {
  let account: TestAccount;
  beforeAll(async () => {
    account = await registerAccount(app.http, 'Me Myself');
  });

  it('requires a bearer credential', async () => {
    expectError(await me(), 401, 'authentication_error');
    const basic = await app.http.get('/api/v1/me', { headers: { authorization: `Basic ${account.token}` } });
    expectError(basic, 401, 'authentication_error');
  });

  it('accepts the scheme in any case', async () => {
    const lower = await app.http.get('/api/v1/me', { headers: { authorization: `bearer ${account.token}` } });
    expect(lower.status).toBe(200);
    expect(lower.body.user.id).toBe(account.userId);
  });

  it('refuses an invalid token', async () => {
    expectError(await me('invalid_token_12345'), 401, 'invalid_token');
  });

  it('accepts a token it signed itself with the server secret (control for the cases below)', async () => {
    const token = await signToken(
      { org: account.organizationId, role: 'org_admin', sub: account.userId },
      {},
    );
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(response.body.role).toBe('org_admin');
  });

  it('refuses a token signed with another secret', async () => {
    const claims = { org: account.organizationId, role: 'org_admin', sub: account.userId };
    const token = await signToken(claims, { secret: 'another-secret-that-is-long-enough-for-hs256' });
    expectError(await me(token), 401, 'invalid_token');
  });

  it('refuses an expired token as token_expired', async () => {
    const claims = { org: account.organizationId, role: 'org_admin', sub: account.userId };
    const token = await signToken(claims, { exp: Math.floor(Date.now() / 1000) - 60 });
    expectError(await me(token), 401, 'token_expired');
  });

  it('refuses a token for another audience or with an unknown role', async () => {
    const claims = { org: account.organizationId, role: 'org_admin', sub: account.userId };
    expectError(await me(await signToken(claims, { audience: 'someone-else' })), 401, 'invalid_token');
    expectError(await me(await signToken({ ...claims, role: 'superuser' }, {})), 401, 'invalid_token');
  });

  it('describes the signed-in user, role, permissions and organization', async () => {
    const response = await me(account.token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      principal_type: 'user',
      role: 'org_admin',
      user: { id: account.userId, email: account.email, full_name: 'Me Myself' },
      api_key: null,
      organization: { id: account.organizationId },
    });
    expect([...response.body.permissions].sort()).toEqual([...allPermissions].sort());
  });

  it('lists only the permissions of a lower role', async () => {
    const reader = await addMember(app.http, account, 'readonly');
    const response = await me(reader.token);
    expect(response.body).toMatchObject({ role: 'readonly', user: { id: reader.userId } });
    expect([...response.body.permissions].sort()).toEqual([...permissionsOf('readonly')].sort());
    expect(response.body.permissions).toContain('agents:read');
    expect(response.body.permissions).not.toContain('agents:write');
    expect(response.body.permissions).not.toContain('members:read');
  });
});

describe('/users', () => {
  const roles = ['org_admin', 'agent_admin', 'agent_user', 'readonly'] as const;
  let admin: TestAccount;
  const members: Record<string, TestAccount> = {};
  let outsider: TestAccount;

  beforeAll(async () => {
    admin = await registerAccount(app.http, 'Org Admin');
    for (const role of ['agent_admin', 'agent_user', 'readonly'])
      members[role] = await addMember(app.http, admin, role);
    outsider = await registerAccount(app.http, 'Outsider');
  });

  const users = (account: TestAccount, query = '') =>
    app.http.get(`/api/v1/users${query}`, { token: account.token });
  const patch = (account: TestAccount, id: string, body: unknown) =>
    app.http.patch(`/api/v1/users/${id}`, body, { token: account.token });

  it('lets an org_admin add a member with each role', async () => {
    const owner = await registerAccount(app.http);
    for (const role of roles) {
      const email = `New.${role}-${randomUUID()}@Example.com`;
      const response = await app.http.post(
        '/api/v1/users',
        { email, password: TEST_PASSWORD, full_name: `New ${role}`, role },
        { token: owner.token },
      );
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        email: email.toLowerCase(),
        role,
        status: 'active',
        organization_id: owner.organizationId,
        last_login_at: null,
      });
      expect(response.body).not.toHaveProperty('password');
      expect(response.body).not.toHaveProperty('password_hash');
      expect((await login(email)).body.user.role).toBe(role);
    }
    expect((await users(owner)).headers.get('x-total-count')).toBe('5');
  });

  it('rejects adding an email already in use (409) and an unknown role (422)', async () => {
    const body = {
      email: members.readonly?.email,
      password: TEST_PASSWORD,
      full_name: 'Again',
      role: 'readonly',
    };
    expectError(await app.http.post('/api/v1/users', body, { token: admin.token }), 409, 'email_taken');
    const badRole = await app.http.post(
      '/api/v1/users',
      { ...body, email: uniqueEmail(), role: 'root' },
      { token: admin.token },
    );
    expectError(badRole, 422, 'validation_error');
    expect(invalidFields(badRole)).toEqual(['role']);
  });

  it('lists the organization’s members with X-Total-Count, limit and offset', async () => {
    const all = await users(admin);
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('4');
    const ids = all.body.map((user: { id: string }) => user.id);
    expect(ids).toEqual([
      admin.userId,
      members.agent_admin?.userId,
      members.agent_user?.userId,
      members.readonly?.userId,
    ]);
    expect(ids).not.toContain(outsider.userId);
    const page = await users(admin, '?limit=2&offset=1');
    expect(page.headers.get('x-total-count')).toBe('4');
    expect(page.body.map((user: { id: string }) => user.id)).toEqual(ids.slice(1, 3));
    expect((await users(admin, '?offset=4')).body).toEqual([]);
    expectError(await users(admin, '?limit=0'), 422, 'validation_error');
    expectError(await users(admin, '?limit=201'), 422, 'validation_error');
  });

  it('gets one member', async () => {
    const reader = members.readonly as TestAccount;
    const response = await app.http.get(`/api/v1/users/${reader.userId}`, { token: admin.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: reader.userId, email: reader.email, role: 'readonly' });
  });

  it('changes a member’s name, role and status', async () => {
    const member = await addMember(app.http, admin, 'readonly');
    const changed = await patch(admin, member.userId, { full_name: 'Promoted', role: 'agent_admin' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      id: member.userId,
      full_name: 'Promoted',
      role: 'agent_admin',
      status: 'active',
    });
    expect((await login(member.email)).body.user.role).toBe('agent_admin');
    const disabled = await patch(admin, member.userId, { status: 'disabled' });
    expect(disabled.body.status).toBe('disabled');
    const stored = await app.http.get(`/api/v1/users/${member.userId}`, { token: admin.token });
    expect(stored.body).toMatchObject({ full_name: 'Promoted', role: 'agent_admin', status: 'disabled' });
    expectError(await patch(admin, member.userId, { email: 'x@example.com' }), 422, 'validation_error');
  });

  it('lets an agent_admin read members but not manage them', async () => {
    const agentAdmin = members.agent_admin as TestAccount;
    expect((await users(agentAdmin)).status).toBe(200);
    const reader = members.readonly as TestAccount;
    expect((await app.http.get(`/api/v1/users/${reader.userId}`, { token: agentAdmin.token })).status).toBe(
      200,
    );
    const body = { email: uniqueEmail(), password: TEST_PASSWORD, full_name: 'No', role: 'readonly' };
    expectError(
      await app.http.post('/api/v1/users', body, { token: agentAdmin.token }),
      403,
      'authorization_error',
    );
    expectError(await patch(agentAdmin, reader.userId, { role: 'org_admin' }), 403, 'authorization_error');
    expect((await app.http.get(`/api/v1/users/${reader.userId}`, { token: admin.token })).body.role).toBe(
      'readonly',
    );
  });

  it.each(['agent_user', 'readonly'])('forbids a %s to read members', async (role) => {
    const member = members[role] as TestAccount;
    expectError(await users(member), 403, 'authorization_error');
    expectError(
      await app.http.get(`/api/v1/users/${admin.userId}`, { token: member.token }),
      403,
      'authorization_error',
    );
  });

  it('forbids access to a user of another organization (403) and reports unknown ids (404)', async () => {
    const foreign = await app.http.get(`/api/v1/users/${outsider.userId}`, { token: admin.token });
    expectError(foreign, 403, 'authorization_error');
    expectError(await patch(admin, outsider.userId, { status: 'disabled' }), 403, 'authorization_error');
    expect((await login(outsider.email)).status).toBe(200);
    const unknown = randomUUID();
    expectError(await app.http.get(`/api/v1/users/${unknown}`, { token: admin.token }), 404, 'not_found');
    expectError(await patch(admin, unknown, { full_name: 'Ghost' }), 404, 'not_found');
    const malformed = await app.http.get('/api/v1/users/not-a-uuid', { token: admin.token });
    expectError(malformed, 422, 'validation_error');
    expect(malformed.body.validation_errors[0]).toMatchObject({ location: 'params' });
  });

  it('keeps at least one active org_admin (400 last_org_admin)', async () => {
    const owner = await registerAccount(app.http);
    expectError(await patch(owner, owner.userId, { role: 'agent_admin' }), 400, 'last_org_admin');
    expectError(await patch(owner, owner.userId, { status: 'disabled' }), 400, 'last_org_admin');
    const second = await addMember(app.http, owner, 'org_admin');
    expect((await patch(owner, second.userId, { status: 'disabled' })).status).toBe(200);
    expectError(await patch(owner, owner.userId, { role: 'readonly' }), 400, 'last_org_admin');
    expect((await patch(owner, second.userId, { status: 'active' })).status).toBe(200);
    const demoted = await patch(owner, owner.userId, { role: 'agent_user' });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe('agent_user');
    expectError(await patch(second, second.userId, { status: 'disabled' }), 400, 'last_org_admin');
    expect((await patch(second, second.userId, { full_name: 'Still admin' })).status).toBe(200);
  });

  it('keeps one org_admin when two admins demote each other at the same time', async () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const first = await registerAccount(app.http);
      const second = await addMember(app.http, first, 'org_admin');
      const [byFirst, bySecond] = await Promise.all([
        patch(first, second.userId, { role: 'readonly' }),
        patch(second, first.userId, { role: 'readonly' }),
      ]);
      // The loser is either refused as the last org_admin or, when the winner's change was
      // already committed as it was authorized, as the readonly member it has just become.
      const loser = byFirst.status === 200 ? bySecond : byFirst;
      expect([byFirst.status, bySecond.status], JSON.stringify([byFirst.body, bySecond.body])).toContain(200);
      expect([loser.status, loser.body.code]).toEqual(
        loser.status === 400 ? [400, 'last_org_admin'] : [403, 'authorization_error'],
      );
      const survivor = byFirst.status === 200 ? first : second;
      const roles = (await users(survivor)).body.map((user: { id: string; role: string }) => [
        user.id,
        user.role,
      ]);
      expect(Object.fromEntries(roles)).toEqual({
        [survivor.userId]: 'org_admin',
        [survivor === first ? second.userId : first.userId]: 'readonly',
      });
    }
  });

  it('authenticates and authorizes before validating the body', async () => {
    const invalid = { email: 'nope', role: 'root' };
    expectError(await app.http.post('/api/v1/users', invalid), 401, 'authentication_error');
    const reader = members.readonly as TestAccount;
    expectError(
      await app.http.post('/api/v1/users', invalid, { token: reader.token }),
      403,
      'authorization_error',
    );
    expectError(
      await app.http.post('/api/v1/users', invalid, { token: admin.token }),
      422,
      'validation_error',
    );
  });

  it('signs a disabled member out: refresh fails and login answers account_disabled', async () => {
    const member = await addMember(app.http, admin, 'agent_user');
    expect((await patch(admin, member.userId, { status: 'disabled' })).status).toBe(200);
    expectError(await refresh(member.refreshToken), 401, 'invalid_refresh_token');
    expectError(await login(member.email), 401, 'account_disabled');
    expectError(await login(member.email, 'WrongPassword123!'), 401, 'invalid_credentials');
    expect((await patch(admin, member.userId, { status: 'active' })).status).toBe(200);
    expect((await login(member.email)).status).toBe(200);
  });
});

describe('role enforcement on other modules', () => {
  let admin: TestAccount;
  beforeAll(async () => {
    admin = await registerAccount(app.http);
  });

  it('lets a readonly member read agents but not create them', async () => {
    const reader = await addMember(app.http, admin, 'readonly');
    const list = await app.http.get('/api/v1/agents', { token: reader.token });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    const created = await app.http.post('/api/v1/agents', { name: 'x' }, { token: reader.token });
    expectError(created, 403, 'authorization_error');
    expect((await app.http.get('/api/v1/agents', { token: admin.token })).headers.get('x-total-count')).toBe(
      '0',
    );
  });

  it('forbids an agent_user to create agents', async () => {
    const user = await addMember(app.http, admin, 'agent_user');
    expectError(
      await app.http.post('/api/v1/agents', { name: 'x' }, { token: user.token }),
      403,
      'authorization_error',
    );
  });

  it('lets an agent_admin create an agent', async () => {
    const agentAdmin = await addMember(app.http, admin, 'agent_admin');
    const created = await app.http.post('/api/v1/agents', { name: 'x' }, { token: agentAdmin.token });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('x');
    const list = await app.http.get('/api/v1/agents', { token: admin.token });
    expect(list.body.map((agent: { id: string }) => agent.id)).toContain(created.body.id);
  });
});
