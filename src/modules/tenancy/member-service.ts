import { hashPassword } from '../../platform/crypto/passwords.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import * as accounts from './account-repository.ts';
import { type AccountStatus, USER_UPDATED } from './account-status.ts';
import * as apiKeyRows from './api-key-repository.ts';
import type { Principal } from './principal.ts';
import { permissionsOf, type Role } from './roles.ts';
import type { MeView, UserView } from './tenancy-schemas.ts';
import { toApiKeyView, toOrganizationView, toUserView } from './tenancy-views.ts';

/** Users of an organization: who is calling, and the org_admin's management of members. */
export function createMemberService({
  db,
  events,
  accountStatus,
}: {
  db: Database;
  events: Pick<EventPublisher, 'publish'>;
  accountStatus: Pick<AccountStatus, 'forget'>;
}) {
  async function requireUser(executor: Executor, principal: Principal, userId: string) {
    return requireInScope(await accounts.findUser(executor, principal, userId), 'User', () =>
      accounts.findUserOrganization(executor, userId),
    );
  }

  return {
    async me(principal: Principal): Promise<MeView> {
      const [organization, user, apiKey] = await Promise.all([
        accounts.findOrganization(db, principal),
        principal.userId ? accounts.findUser(db, principal, principal.userId) : undefined,
        principal.apiKeyId ? apiKeyRows.findApiKey(db, principal, principal.apiKeyId) : undefined,
      ]);
      if (!organization) throw new NotFoundError('Organization');
      return {
        principal_type: principal.apiKeyId ? 'api_key' : 'user',
        role: principal.role,
        permissions: permissionsOf(principal.role),
        user: user ? toUserView(user) : null,
        api_key: apiKey ? toApiKeyView(apiKey) : null,
        organization: toOrganizationView(organization),
      };
    },

    async list(principal: Principal, page: Page) {
      const { rows, total } = await accounts.listUsers(db, principal, page);
      return { items: rows.map(toUserView), total };
    },

    async get(principal: Principal, userId: string): Promise<UserView> {
      return toUserView(await requireUser(db, principal, userId));
    },

    async add(
      principal: Principal,
      input: { email: string; password: string; full_name: string; role: Role },
    ): Promise<UserView> {
      const passwordHash = await hashPassword(input.password);
      try {
        const user = await accounts.insertUser(db, {
          id: uuidv7(),
          organizationId: principal.organizationId,
          email: input.email,
          fullName: input.full_name,
          passwordHash,
          role: input.role,
        });
        return toUserView(user);
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError('email_taken', 'An account with this email already exists');
        throw error;
      }
    },

    /**
     * Changes name, role or status; an organization always keeps one active org_admin. A new role
     * or status applies to the user's access tokens in every process once `user-updated` arrives.
     */
    async update(
      principal: Principal,
      userId: string,
      changes: {
        full_name?: string | undefined;
        role?: Role | undefined;
        status?: 'active' | 'disabled' | undefined;
      },
    ): Promise<UserView> {
      const view = await db.transaction(async (tx) => {
        const user = await requireUser(tx, principal, userId);
        const losesAdmin =
          user.role === 'org_admin' &&
          user.status === 'active' &&
          ((changes.role !== undefined && changes.role !== 'org_admin') || changes.status === 'disabled');
        if (losesAdmin && (await accounts.countOtherActiveAdmins(tx, principal, userId)) === 0) {
          throw new BadRequestError(
            'last_org_admin',
            'An organization must keep at least one active org_admin',
          );
        }
        const updated = await accounts.updateUser(tx, principal, userId, {
          fullName: changes.full_name,
          role: changes.role,
          status: changes.status,
        });
        if (!updated) throw new NotFoundError('User');
        if (changes.status === 'disabled') await accounts.revokeUserRefreshTokens(tx, principal, userId);
        if (updated.role !== user.role || updated.status !== user.status) {
          await events.publish(
            {
              type: USER_UPDATED,
              organization_id: principal.organizationId,
              data: { user_id: userId, role: updated.role, status: updated.status },
            },
            { tx },
          );
        }
        return toUserView(updated);
      });
      accountStatus.forget(principal.organizationId, userId);
      return view;
    },
  };
}

export type MemberService = ReturnType<typeof createMemberService>;
