import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createOperatorProviders } from '../../src/modules/providers/operator-providers.ts';
import { createProviderConnections } from '../../src/modules/providers/provider-connections.ts';
import { createProviderService } from '../../src/modules/providers/provider-service.ts';
import { createSecretBox } from '../../src/platform/crypto/secret-box.ts';
import type { Database } from '../../src/platform/db/database.ts';
import type { JobQueue } from '../../src/platform/queue/job-queue.ts';

/**
 * The providers module's service (to create providers) and `resolveConnection` (as other modules
 * receive it), on a test database, without its background validation: validation jobs are not
 * queued, and the outbound guard lets every URL through (tests name their stubs on loopback).
 */
export function assembleProviders(db: Database) {
  const secretKey = randomBytes(32);
  const secretBox = createSecretBox(secretKey);
  const operators = createOperatorProviders({ db, settings: [], shared: false, secretKey });
  const connections = createProviderConnections({ db, secretBox, operators });
  const service = createProviderService({
    db,
    queue: { send: async () => 'job' } as unknown as JobQueue,
    secretBox,
    outboundGuard: { assertAllowed: async () => undefined },
    operators,
    events: { publish: async () => {} },
    onChanged: connections.forget,
    defaults: loadConfig({}).llmResilience,
  });
  return { service, resolveConnection: connections.resolveConnection };
}
