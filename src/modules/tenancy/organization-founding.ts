import { hashPassword } from '../../platform/crypto/passwords.ts';
import { randomToken } from '../../platform/crypto/tokens.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { ConflictError, ValidationError } from '../../platform/http/errors.ts';
import * as accounts from './account-repository.ts';
import { registerBody } from './tenancy-schemas.ts';

type OrganizationTier = accounts.OrganizationRow['tier'];

/** A readable slug made unique by a random suffix, so that two organizations may share a name. */
function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'org'}-${randomToken(4)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}`;
}

export const emailTakenError = (detail = '') =>
  new ConflictError('email_taken', `An account with this email already exists${detail}`);

/**
 * Inside `tx`: a new organization and its first user, its org_admin. Registration and
 * `agentry create-admin` both found an organization this way; a taken email fails the insert.
 */
export async function foundOrganization(
  tx: Executor,
  founder: {
    organizationName: string;
    email: string;
    fullName: string;
    passwordHash: string;
    tier: OrganizationTier;
  },
) {
  const organization = await accounts.insertOrganization(tx, {
    id: uuidv7(),
    name: founder.organizationName,
    slug: slugify(founder.organizationName),
    tier: founder.tier,
  });
  const user = await accounts.insertUser(tx, {
    id: uuidv7(),
    organizationId: organization.id,
    email: founder.email,
    fullName: founder.fullName,
    passwordHash: founder.passwordHash,
    role: 'org_admin',
  });
  return { organization, user };
}

/**
 * Operator work (`agentry create-admin`): founds an organization with its org_admin where
 * registration may be closed. The input obeys registration's rules (email, password length); an
 * email already in use is refused (409 email_taken), so no existing password is ever replaced.
 */
export async function createOrganizationAdmin(
  db: Database,
  input: { email: string; password: string; full_name: string; organization_name: string },
  tier: OrganizationTier,
) {
  const parsed = registerBody.required({ organization_name: true }).safeParse(input);
  if (!parsed.success) {
    throw new ValidationError(
      'The administrator is not valid',
      parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    );
  }
  const { email, password, full_name: fullName, organization_name: organizationName } = parsed.data;
  const untouched = ` (${email}); nothing was created or changed, its password neither`;
  if (await accounts.findUserByEmail(db, email)) throw emailTakenError(untouched);
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction((tx) =>
      foundOrganization(tx, { organizationName, email, fullName, passwordHash, tier }),
    );
  } catch (error) {
    // Another process took the email between the check and the insert.
    if (isUniqueViolation(error)) throw emailTakenError(untouched);
    throw error;
  }
}
