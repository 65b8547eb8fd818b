import { z } from 'zod';
import { nullableTimestamp, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { permissionMatrix, permissionsOf, roles } from './roles.ts';

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email())
  .meta({ format: 'email', description: 'Compared case-insensitively; surrounding spaces are ignored' });
const password = z.string().min(8, 'must be at least 8 characters').max(256);
const fullName = z.string().trim().min(1).max(255);
const role = z.enum(roles);
const refreshTokenDelivery = z
  .enum(['body', 'cookie'])
  .optional()
  .describe(
    'Where the refresh token goes: in the response body (default), or in an httpOnly, SameSite=Strict cookie ' +
      'scoped to /api/v1/auth that scripts cannot read (what the web console uses; docs/console.md)',
  );

export const registerBody = z
  .object({
    email,
    password,
    full_name: fullName,
    organization_name: z.string().trim().min(1).max(255).optional(),
    refresh_token_delivery: refreshTokenDelivery,
  })
  .strict()
  .meta({
    example: {
      email: 'ada@example.com',
      password: 'correct-horse-battery-staple',
      full_name: 'Ada Lovelace',
      organization_name: 'Acme Support',
    },
  });

export const loginBody = z
  .object({ email, password: z.string().min(1).max(256), refresh_token_delivery: refreshTokenDelivery })
  .strict()
  .meta({ example: { email: 'ada@example.com', password: 'correct-horse-battery-staple' } });

const refreshTokenExample = 'rt_fbEu6bdV-Gr3aV5pzzyCOQU04LqeFYzirHg-D8aPZJc';
const presentedRefreshToken = z
  .string()
  .min(1)
  .max(512)
  .optional()
  .describe('Absent when the refresh token travels in the cookie set by a cookie-delivery sign-in');
export const refreshBody = z
  .object({ refresh_token: presentedRefreshToken })
  .strict()
  .meta({ example: { refresh_token: refreshTokenExample } });
export const logoutBody = z
  .object({ refresh_token: presentedRefreshToken })
  .strict()
  .meta({ example: { refresh_token: refreshTokenExample } });

export const createUserBody = z
  .object({ email, password, full_name: fullName, role })
  .strict()
  .meta({
    example: {
      email: 'grace@example.com',
      password: 'a-long-initial-password',
      full_name: 'Grace Hopper',
      role: 'agent_admin',
    },
  });
export const updateUserBody = z
  .object({
    full_name: fullName.optional(),
    role: role.optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict()
  .meta({ example: { role: 'agent_user' } });

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: role.optional().describe('Defaults to the caller’s role; may not exceed it'),
    project_id: z
      .uuid()
      .nullable()
      .optional()
      .describe(
        'A project of the organization: the key then sees and creates only that project’s resources. ' +
          'A project-scoped caller’s keys are always for its own project',
      ),
    expires_at: z.iso.datetime().optional(),
  })
  .strict()
  .meta({
    example: {
      name: 'Help center widget',
      role: 'agent_user',
      expires_at: '2030-01-01T00:00:00.000Z',
    },
  });

export const listApiKeysQuery = z.object({
  project_id: z.uuid().optional().describe('Only the keys scoped to this project'),
});

const organizationExample = {
  id: exampleIds.organization,
  name: 'Acme Support',
  slug: 'acme-support',
  status: 'active',
  tier: 'pro',
  created_at: exampleTimes.organizationCreated,
};

export const organizationView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    status: z.enum(['active', 'suspended']),
    tier: z.enum(['free', 'pro', 'enterprise']),
    created_at: timestamp,
  })
  .meta({ id: 'Organization', example: organizationExample });

const adminExample = {
  id: exampleIds.user,
  organization_id: exampleIds.organization,
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  role: 'org_admin',
  status: 'active',
  last_login_at: exampleTimes.lastLogin,
  created_at: exampleTimes.organizationCreated,
  updated_at: exampleTimes.organizationCreated,
};
const memberExample = {
  id: exampleIds.member,
  organization_id: exampleIds.organization,
  email: 'grace@example.com',
  full_name: 'Grace Hopper',
  role: 'agent_admin',
  status: 'active',
  last_login_at: null,
  created_at: exampleTimes.memberAdded,
  updated_at: exampleTimes.memberAdded,
};

export const userView = z
  .object({
    id: z.uuid(),
    organization_id: z.uuid(),
    email: z.string(),
    full_name: z.string(),
    role,
    status: z.enum(['active', 'disabled']),
    last_login_at: nullableTimestamp,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'User', example: memberExample });
export const userListView = z.array(userView).meta({ example: [adminExample, memberExample] });

export const tokenResponse = z
  .object({
    access_token: z.string(),
    refresh_token: z.string().optional().describe('Absent when it was delivered in a cookie'),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().describe('Seconds until the access token expires'),
    user: userView,
    organization: organizationView,
  })
  .meta({
    id: 'TokenResponse',
    example: {
      access_token:
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmciOiIwMTk3MmZkZS03ZTgwLTdmZTItYmI0My1mYWRmYjIxYmFhZjkiLCJyb2xlIjoib3JnX2FkbWluIiwic3ViIjoiMDE5NzJmZGUtN2U4MC03YWM2LTgxZWQtMmQ0OWY0MDBhZTA3IiwiaXNzIjoiYWdlbnRyeSIsImF1ZCI6ImFnZW50cnktYXBpIiwiaWF0IjoxNzQ5MDI3MzEyLCJleHAiOjE3NDkwMjgyMTJ9.j6HXRosu6r9SIJ4rM7kVI5wJLzVW6eqKZBlOXvl0E4I',
      refresh_token: refreshTokenExample,
      token_type: 'bearer',
      expires_in: 900,
      user: adminExample,
      organization: organizationExample,
    },
  });

const apiKeyExample = {
  id: exampleIds.apiKey,
  name: 'Help center widget',
  prefix: 'agk_88f7bfd86d63',
  role: 'agent_user',
  project_id: exampleIds.project,
  created_by_user_id: exampleIds.user,
  created_by_api_key_id: null,
  expires_at: '2026-06-02T00:00:00.000Z',
  last_used_at: exampleTimes.runStarted,
  revoked_at: null,
  created_at: exampleTimes.apiKeyCreated,
};

export const apiKeyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to recognize it'),
    role,
    project_id: z
      .uuid()
      .nullable()
      .describe('The project the key is scoped to; null: the whole organization'),
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    expires_at: nullableTimestamp,
    last_used_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
    created_at: timestamp,
  })
  .meta({ id: 'ApiKey', example: apiKeyExample });
export const apiKeyListView = z.array(apiKeyView).meta({ example: [apiKeyExample] });

export const createdApiKeyView = apiKeyView
  .extend({ key: z.string().describe('The secret key; shown only in this response') })
  .meta({
    id: 'CreatedApiKey',
    example: {
      ...apiKeyExample,
      last_used_at: null,
      key: 'agk_88f7bfd86d63MiMQZht3S47pFqFGs7SqJeSyIuNsxbAaBCLAZlqxKvI',
    },
  });

export const meView = z
  .object({
    principal_type: z.enum(['user', 'api_key']),
    role,
    permissions: z.array(z.enum(Object.keys(permissionMatrix) as [keyof typeof permissionMatrix])),
    user: userView.nullable(),
    api_key: apiKeyView.nullable(),
    organization: organizationView,
  })
  .meta({
    id: 'Me',
    example: {
      principal_type: 'user',
      role: 'org_admin',
      permissions: permissionsOf('org_admin'),
      user: adminExample,
      api_key: null,
      organization: organizationExample,
    },
  });

export type UserView = z.infer<typeof userView>;
export type OrganizationView = z.infer<typeof organizationView>;
export type ApiKeyView = z.infer<typeof apiKeyView>;
export type TokenResponse = z.infer<typeof tokenResponse>;
export type MeView = z.infer<typeof meView>;
