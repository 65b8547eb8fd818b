import type { Executor } from '../../platform/db/database.ts';
import { requireInScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { AppError } from '../../platform/http/errors.ts';
import * as repository from './context-repository.ts';

const ownerOf = (executor: Executor, contextId: string) => () =>
  repository.findContextOrganization(executor, contextId);

/** A context of the scope (403 for another organization's, 404 for none or a deleted owner's). */
export async function requireContext(executor: Executor, scope: TenantScope, contextId: string) {
  return requireInScope(
    await repository.findContext(executor, scope, contextId),
    'Context',
    ownerOf(executor, contextId),
  );
}

/** The same, with its current data. */
export async function requireCurrent(executor: Executor, scope: TenantScope, contextId: string) {
  return requireInScope(
    await repository.findCurrent(executor, scope, contextId),
    'Context',
    ownerOf(executor, contextId),
  );
}

/** The same, locked for the rest of `tx`. */
export async function requireLockedContext(tx: Executor, scope: TenantScope, contextId: string) {
  return requireInScope(
    await repository.lockContext(tx, scope, contextId),
    'Context',
    ownerOf(tx, contextId),
  );
}

/**
 * The data of a retained version; 404 naming what is retained when the version was pruned
 * (AGENT_CONTEXT_HISTORY_LIMIT) or never existed.
 */
export async function requireVersionData(
  executor: Executor,
  scope: TenantScope,
  context: repository.ContextRow,
  version: number,
): Promise<Record<string, unknown>> {
  const row = await repository.findVersion(executor, scope, context.id, version);
  if (row) return row.data;
  const current = context.currentVersion;
  if (version > current) {
    throw new AppError(
      'not_found',
      `Context version ${version} does not exist: the context is at version ${current}`,
      {
        status: 404,
        details: { current_version: current },
      },
    );
  }
  const oldest = (await repository.oldestVersion(executor, scope, context.id)) ?? current;
  throw new AppError(
    'not_found',
    `Context version ${version} is no longer retained: versions ${oldest} to ${current} are kept (AGENT_CONTEXT_HISTORY_LIMIT)`,
    { status: 404, details: { current_version: current, oldest_retained_version: oldest } },
  );
}
