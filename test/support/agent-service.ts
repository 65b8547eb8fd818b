import { randomBytes } from 'node:crypto';
import { createAgentService } from '../../src/modules/agents/agent-service.ts';
import { builtinToolNameCheck } from '../../src/modules/agents/agent-write-settling.ts';
import { builtinToolNames } from '../../src/modules/execution/builtin-tools.ts';
import { builtinKindRegistry, createKindService } from '../../src/modules/kinds/index.ts';
import { usableProviderLookup } from '../../src/modules/providers/index.ts';
import { runningTurnsOf } from '../../src/modules/runs/index.ts';
import type { Database } from '../../src/platform/db/database.ts';
import type { EventPublisher } from '../../src/platform/events/event-bus.ts';

/**
 * The agent service as the application assembles it (the providers module's directory, the
 * built-in tools and no others, the runs module's count of running turns, the built-in agent
 * kinds), for tests below the HTTP layer.
 */
export function createTestAgentService(db: Database, events?: Pick<EventPublisher, 'publish'>) {
  return createAgentService({
    db,
    events,
    promptScreening: 'block',
    runningTurns: runningTurnsOf,
    findUsableProvider: usableProviderLookup({
      db,
      operatorProviders: [],
      operatorProvidersShared: false,
      secretKey: randomBytes(32),
    }),
    builtinToolNames,
    checkToolNames: builtinToolNameCheck(builtinToolNames),
    kinds: createKindService({ db, registry: builtinKindRegistry(), log: { warn: () => {} } }).port,
  });
}
