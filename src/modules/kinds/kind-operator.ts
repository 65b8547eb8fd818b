import type { DatabaseHandle } from '../../platform/db/database.ts';
import { startEventBus } from '../../platform/events/event-bus.ts';
import { publishDefinitionChanged } from './kind-events.ts';
import { type KindLoadingSettings, loadAgentKinds } from './kind-loading.ts';
import type { KindModuleProblem } from './kind-modules.ts';
import { listAllDefinitions, setDefinitionEnabled } from './kind-repository.ts';
import { toDefinitionView } from './kind-views.ts';

type OperatorDatabase = Pick<DatabaseHandle, 'db' | 'connection'>;

/**
 * `agentry agent-definitions list`: every definition, with whether this process (its
 * AGENT_REGISTRY_MODULES) loads its kind. Records the loaded kinds first, as a start would.
 */
export async function listAgentDefinitions(
  database: OperatorDatabase,
  settings: KindLoadingSettings,
  report: (problem: KindModuleProblem) => void,
) {
  const registry = await loadAgentKinds(database.db, settings, report);
  const rows = await listAllDefinitions(database.db);
  return rows.map((row) => toDefinitionView(row, registry.get(row.slug) !== undefined));
}

/**
 * `agentry agent-definitions enable|disable <slug>`: sets the switch and announces it in the same
 * transaction, so that every running process applies it to the next agent written (docs/agent-kinds.md).
 * Undefined when no definition has the slug. Agents of a disabled kind stay as they are.
 */
export async function setAgentDefinitionEnabled(database: OperatorDatabase, slug: string, enabled: boolean) {
  // It only publishes: what its own listening connection reports does not concern it.
  const events = await startEventBus(database.connection, database.db, { onError: () => {} });
  try {
    return await database.db.transaction(async (tx) => {
      const row = await setDefinitionEnabled(tx, slug, enabled);
      if (row) await publishDefinitionChanged(events, tx, row);
      return row;
    });
  } finally {
    await events.close();
  }
}
