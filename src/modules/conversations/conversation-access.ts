import type { Executor } from '../../platform/db/database.ts';
import { ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import { findMessageOrganization } from './message-repository.ts';
import { findSessionOrganization } from './session-repository.ts';

/**
 * Called when a lookup scoped to the caller's organization missed: another organization's
 * session answers 403 (the seeds require it), a missing or deleted one 404.
 */
export async function missingSession(executor: Executor, sessionId: string): Promise<never> {
  if (await findSessionOrganization(executor, sessionId)) throw new ForbiddenError();
  throw new NotFoundError('Session');
}

/** The same rule for a message. */
export async function missingMessage(executor: Executor, messageId: string): Promise<never> {
  if (await findMessageOrganization(executor, messageId)) throw new ForbiddenError();
  throw new NotFoundError('Message');
}
