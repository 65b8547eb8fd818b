import type { Schema } from '@agentry/client';
import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';

export type Role = Schema<'User'>['role'];
export type Permission = Schema<'Me'>['permissions'][number];

/** The roles of docs/permissions.md, highest first: the options of every role select. */
export const ROLES = [
  'org_admin',
  'agent_admin',
  'agent_user',
  'readonly',
] as const satisfies readonly Role[];

export const roleOptions = ROLES.map((role) => ({ value: role, label: role }));

/**
 * What the signed-in caller may do, as `GET /me` lists it: pages hide controls the API would refuse
 * without deciding anything themselves. Until it answers, nothing is allowed.
 */
export function usePermissions(): (permission: Permission) => boolean {
  const me = useApi(() => unwrap(api.GET('/api/v1/me')), []);
  return (permission) => me.data?.permissions.includes(permission) ?? false;
}
