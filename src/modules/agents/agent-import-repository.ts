import type { Database } from '../../platform/db/database.ts';
import type { AgentRow } from './agent-repository.ts';
import { agentHistory, agents, agentVersions } from './agent-tables.ts';

type VersionInsert = typeof agentVersions.$inferInsert;
type HistoryInsert = typeof agentHistory.$inferInsert;

/**
 * An imported agent with every version it brings and their history, in one transaction: all or
 * nothing. History rows are inserted in the given order, which `seq` keeps.
 */
export async function writeImportedAgent(
  db: Database,
  agent: AgentRow,
  versions: VersionInsert[],
  history: HistoryInsert[],
) {
  await db.transaction(async (tx) => {
    await tx.insert(agents).values(agent);
    await tx.insert(agentVersions).values(versions);
    await tx.insert(agentHistory).values(history);
  });
}
