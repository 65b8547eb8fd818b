import { insertOrganization } from '../../src/modules/tenancy/account-repository.ts';
import type { Principal } from '../../src/modules/tenancy/index.ts';
import type { Executor } from '../../src/platform/db/database.ts';
import { uuidv7 } from '../../src/platform/db/ids.ts';

/** A new organization, and an org_admin principal of it (acting through an API key when one is named). */
export async function newOrganization(db: Executor, apiKeyId: string | null = null): Promise<Principal> {
  const row = await insertOrganization(db, { id: uuidv7(), name: 'Org', slug: `org-${uuidv7()}` });
  return { organizationId: row.id, role: 'org_admin', userId: null, apiKeyId };
}
