import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { historyRetentionJob } from './agent-jobs.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

describe('history retention job', () => {
  it('deletes history older than the retention period and keeps newer history and every version', async () => {
    const principal = await newOrganization(database.db);
    const agents = createTestAgentService(database.db);
    const agent = await agents.create({ name: 'Aged' }, { principal, ipAddress: null });
    await agents.update(agent.id, { role: 'old change' }, { principal, ipAddress: null });
    await agents.update(agent.id, { role: 'recent change' }, { principal, ipAddress: null });
    // Age the creation and the first change by 100 days.
    await database.db.execute(
      sql`update agent_history set change_timestamp = now() - interval '100 days'
          where agent_id = ${agent.id} and (new_value = 'old change' or change_type = 'agent_created')`,
    );

    const job = historyRetentionJob(database.db, 90);
    expect(job.schedule).toBe('17 3 * * *');
    await job.handle({ id: 'job', data: {}, attempt: 0, signal: new AbortController().signal });

    const history = await agents.history(principal, agent.id, { limit: 50, offset: 0 });
    expect(history.items.map((row) => row.new_value)).toEqual(['recent change']);
    const versions = await agents.listVersions(principal, agent.id, { limit: 50, offset: 0 });
    expect(versions.total).toBe(3);
  });
});
