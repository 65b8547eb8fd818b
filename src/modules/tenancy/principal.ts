import type { Role } from './roles.ts';

/** Who is calling: a signed-in user or an API key, always inside exactly one organization. */
export interface Principal {
  organizationId: string;
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
}
