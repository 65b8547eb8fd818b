import type { Executor } from '../../platform/db/database.ts';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import { findProviderOrganization } from './provider-repository.ts';

/**
 * Called when a lookup scoped to the caller's organization missed: another organization's
 * provider answers 403 (as everywhere in Agentry), a missing or deleted one 404.
 */
export async function missingProvider(executor: Executor, providerId: string): Promise<never> {
  if (await findProviderOrganization(executor, providerId)) throw new ForbiddenError();
  throw new NotFoundError('Provider');
}
