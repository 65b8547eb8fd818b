export const roles = ['org_admin', 'agent_admin', 'agent_user', 'readonly'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { readonly: 1, agent_user: 2, agent_admin: 3, org_admin: 4 };

/** True when `role` has every permission of `other` (roles are strictly nested). */
export const roleIncludes = (role: Role, other: Role): boolean => rank[role] >= rank[other];

/**
 * The permission matrix (docs/permissions.md). Each permission names the lowest role that holds
 * it; every higher role holds it too.
 */
export const permissionMatrix = {
  'agents:read': 'readonly',
  'agents:write': 'agent_admin',
  'sessions:read': 'readonly',
  'sessions:write': 'agent_user',
  'agents:execute': 'agent_user',
  'runs:read': 'readonly',
  'events:read': 'readonly',
  'files:read': 'readonly',
  'files:write': 'agent_admin',
  'providers:read': 'agent_admin',
  'providers:manage': 'org_admin',
  'members:read': 'agent_admin',
  'members:manage': 'org_admin',
  'api_keys:manage_own': 'readonly',
  'api_keys:manage_all': 'org_admin',
  'channels:manage': 'agent_admin',
  'memories:read': 'agent_user',
  'memories:write': 'agent_admin',
  'projects:read': 'readonly',
  'projects:manage': 'org_admin',
  'tools:read': 'agent_admin',
  'tools:manage': 'agent_admin',
  'mcp_servers:read': 'agent_admin',
  'mcp_servers:manage': 'org_admin',
  'services:read': 'agent_admin',
  'budgets:read': 'readonly',
  'budgets:manage': 'org_admin',
  'usage:read': 'readonly',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof permissionMatrix;

export const hasPermission = (role: Role, permission: Permission): boolean =>
  roleIncludes(role, permissionMatrix[permission]);

export const permissionsOf = (role: Role): Permission[] =>
  (Object.keys(permissionMatrix) as Permission[]).filter((permission) => hasPermission(role, permission));
