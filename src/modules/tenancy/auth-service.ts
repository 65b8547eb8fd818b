import { timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../platform/crypto/passwords.ts';
import { randomToken, sha256Hex } from '../../platform/crypto/tokens.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { ForbiddenError, UnauthorizedError } from '../../platform/http/errors.ts';
import type { AccessTokens } from './access-tokens.ts';
import * as accounts from './account-repository.ts';
import type { AccountStatus } from './account-status.ts';
import { API_KEY_PREFIX_LENGTH, isApiKey } from './api-key-format.ts';
import * as apiKeyRows from './api-key-repository.ts';
import { emailTakenError, foundOrganization } from './organization-founding.ts';
import type { Principal } from './principal.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import type { TokenResponse } from './tenancy-schemas.ts';
import { toOrganizationView, toUserView } from './tenancy-views.ts';

export interface AuthServiceOptions {
  db: Database;
  accessTokens: AccessTokens;
  /** The current state of a token's user, so that disabling or demoting takes effect at once. */
  accountStatus: AccountStatus;
  refreshTokenTtlSeconds: number;
  allowRegistration: boolean;
  /** The tier new organizations start on (DEFAULT_ORGANIZATION_TIER). */
  defaultOrganizationTier: accounts.OrganizationRow['tier'];
  /** Brute-force protection of sign-in and refresh (the limits module's). */
  signInThrottle: SignInThrottle;
  /** Called after a key authenticates; errors are the caller's to log, never the request's to fail. */
  onBackgroundError: (error: unknown) => void;
}

const REFRESH_TOKEN_PREFIX = 'rt_';
// Compared against when the email is unknown, so that sign-in takes as long either way.
const unknownUserHash = hashPassword(randomToken());

export function createAuthService(options: AuthServiceOptions) {
  const { db, accessTokens } = options;

  async function issueTokens(executor: Executor, user: accounts.UserRow, familyId: string) {
    const refreshToken = `${REFRESH_TOKEN_PREFIX}${randomToken()}`;
    await accounts.insertRefreshToken(executor, {
      id: uuidv7(),
      organizationId: user.organizationId,
      userId: user.id,
      familyId,
      tokenHash: sha256Hex(refreshToken),
      expiresAt: new Date(Date.now() + options.refreshTokenTtlSeconds * 1000),
    });
    const accessToken = await accessTokens.issue({
      userId: user.id,
      organizationId: user.organizationId,
      role: user.role,
    });
    return { accessToken, refreshToken };
  }

  async function tokenResponse(
    user: accounts.UserRow,
    tokens: { accessToken: string; refreshToken: string },
  ) {
    const organization = await accounts.findOrganization(db, { organizationId: user.organizationId });
    if (!organization) throw new UnauthorizedError();
    return {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      token_type: 'bearer',
      expires_in: accessTokens.ttlSeconds,
      user: toUserView(user),
      organization: toOrganizationView(organization),
    } satisfies TokenResponse;
  }

  async function authenticateApiKey(key: string): Promise<Principal | null> {
    const row = await apiKeyRows.findApiKeyByPrefix(db, key.slice(0, API_KEY_PREFIX_LENGTH));
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
    const expected = Buffer.from(row.keyHash, 'hex');
    const actual = Buffer.from(sha256Hex(key), 'hex');
    if (!timingSafeEqual(expected, actual)) return null;
    apiKeyRows.touchApiKey(db, row.id).catch(options.onBackgroundError);
    return {
      organizationId: row.organizationId,
      projectId: row.projectId,
      role: row.role,
      userId: null,
      apiKeyId: row.id,
    };
  }

  return {
    /** Creates a user and a new organization with that user as its org_admin. */
    async register(input: {
      email: string;
      password: string;
      full_name: string;
      organization_name?: string | undefined;
    }) {
      if (!options.allowRegistration) {
        throw new ForbiddenError('Registration is closed on this server; ask an org_admin to add you');
      }
      const passwordHash = await hashPassword(input.password);
      try {
        const { user, tokens } = await db.transaction(async (tx) => {
          const { user } = await foundOrganization(tx, {
            organizationName: input.organization_name ?? `${input.full_name}'s organization`,
            email: input.email,
            fullName: input.full_name,
            passwordHash,
            tier: options.defaultOrganizationTier,
          });
          return { user, tokens: await issueTokens(tx, user, uuidv7()) };
        });
        return tokenResponse(user, tokens);
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTakenError();
        throw error;
      }
    },

    /** Signs in from the client `address`; refused (429) while the account or the address is locked. */
    async login(input: { email: string; password: string }, address: string) {
      const attempt = { account: input.email, address };
      await options.signInThrottle.check(attempt);
      const user = await accounts.findUserByEmail(db, input.email);
      const valid = await verifyPassword(input.password, user?.passwordHash ?? (await unknownUserHash));
      if (!user || !valid) {
        await options.signInThrottle.failed(attempt);
        throw new UnauthorizedError('Invalid email or password', 'invalid_credentials');
      }
      await options.signInThrottle.succeeded(attempt);
      if (user.status !== 'active')
        throw new UnauthorizedError('This account is disabled', 'account_disabled');
      const lastLoginAt = new Date();
      await accounts.updateUser(db, { organizationId: user.organizationId }, user.id, { lastLoginAt });
      return tokenResponse({ ...user, lastLoginAt }, await issueTokens(db, user, uuidv7()));
    },

    /**
     * Rotates a refresh token. Presenting an already rotated token revokes its whole family. Unknown
     * tokens count as failed sign-ins of the client `address`, which a lock refuses (429).
     */
    async refresh(refreshToken: string, address: string) {
      const attempt = { account: null, address };
      await options.signInThrottle.check(attempt);
      const tokenHash = sha256Hex(refreshToken);
      const claimed = await accounts.claimRefreshToken(db, tokenHash);
      if (!claimed) {
        const known = await accounts.findRefreshToken(db, tokenHash);
        if (known && !known.revokedAt) await accounts.revokeRefreshTokenFamily(db, known.familyId);
        await options.signInThrottle.failed(attempt);
        throw new UnauthorizedError('Invalid or revoked refresh token', 'invalid_refresh_token');
      }
      if (claimed.expiresAt.getTime() <= Date.now()) {
        throw new UnauthorizedError('Refresh token expired', 'invalid_refresh_token');
      }
      const user = await accounts.findUser(db, { organizationId: claimed.organizationId }, claimed.userId);
      if (user?.status !== 'active')
        throw new UnauthorizedError('This account is disabled', 'account_disabled');
      return tokenResponse(user, await issueTokens(db, user, claimed.familyId));
    },

    /** Signs a refresh token's holder out: its whole family is revoked. Unknown tokens change nothing. */
    async logout(refreshToken: string) {
      const known = await accounts.findRefreshToken(db, sha256Hex(refreshToken));
      if (known && !known.revokedAt) await accounts.revokeRefreshTokenFamily(db, known.familyId);
    },

    /** The principal behind a bearer credential (JWT or API key), or null when it is not valid. */
    async authenticate(credential: string): Promise<Principal | null> {
      if (isApiKey(credential)) return authenticateApiKey(credential);
      const principal = await accessTokens.verify(credential);
      return principal && options.accountStatus.current(principal);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
