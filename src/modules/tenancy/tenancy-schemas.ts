import { z } from 'zod';
import { nullableTimestamp, timestamp } from '../../platform/http/common-schemas.ts';
import { permissionMatrix, roles } from './roles.ts';

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

export const registerBody = z
  .object({
    email,
    password,
    full_name: fullName,
    organization_name: z.string().trim().min(1).max(255).optional(),
  })
  .strict();

export const loginBody = z.object({ email, password: z.string().min(1).max(256) }).strict();
export const refreshBody = z.object({ refresh_token: z.string().min(1).max(512) }).strict();

export const createUserBody = z.object({ email, password, full_name: fullName, role }).strict();
export const updateUserBody = z
  .object({
    full_name: fullName.optional(),
    role: role.optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict();

export const createApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: role.optional().describe('Defaults to the caller’s role; may not exceed it'),
    expires_at: z.iso.datetime().optional(),
  })
  .strict();

export const organizationView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    status: z.enum(['active', 'suspended']),
    tier: z.enum(['free', 'pro', 'enterprise']),
    created_at: timestamp,
  })
  .meta({ id: 'Organization' });

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
  .meta({ id: 'User' });

export const tokenResponse = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().describe('Seconds until the access token expires'),
    user: userView,
    organization: organizationView,
  })
  .meta({ id: 'TokenResponse' });

export const apiKeyView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to recognize it'),
    role,
    created_by_user_id: z.uuid().nullable(),
    created_by_api_key_id: z.uuid().nullable(),
    expires_at: nullableTimestamp,
    last_used_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
    created_at: timestamp,
  })
  .meta({ id: 'ApiKey' });

export const createdApiKeyView = apiKeyView
  .extend({ key: z.string().describe('The secret key; shown only in this response') })
  .meta({ id: 'CreatedApiKey' });

export const meView = z
  .object({
    principal_type: z.enum(['user', 'api_key']),
    role,
    permissions: z.array(z.enum(Object.keys(permissionMatrix) as [keyof typeof permissionMatrix])),
    user: userView.nullable(),
    api_key: apiKeyView.nullable(),
    organization: organizationView,
  })
  .meta({ id: 'Me' });

export type UserView = z.infer<typeof userView>;
export type OrganizationView = z.infer<typeof organizationView>;
export type ApiKeyView = z.infer<typeof apiKeyView>;
export type TokenResponse = z.infer<typeof tokenResponse>;
export type MeView = z.infer<typeof meView>;
