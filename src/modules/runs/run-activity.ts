import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { runs } from './run-tables.ts';

/**
 * The number of runs still running for an agent, as an SQL expression a read of the agent can
 * carry (one round trip): an agent is busy while it has any. Counting runs, rather than keeping a
 * counter on the agent's row, means no turn ever waits for that row's lock, and a dead process's
 * turns stop counting as soon as its runs are ended abandoned. `organizationId` and `agentId` must
 * be qualified (`qualified`): they name the outer query's columns.
 */
export const runningTurnsOf = (organizationId: SQLWrapper, agentId: SQLWrapper): SQL<number> =>
  sql<number>`(select count(*)::int from ${runs} as running_run
    where running_run.organization_id = ${organizationId} and running_run.agent_id = ${agentId} and running_run.status = 'running')`;
