import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { rowsOf } from '../../platform/db/database.ts';
import { memoryRetentionJob } from './memory-retention-job.ts';
import { storeMemories } from './memory-store.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

const runJob = () =>
  memoryRetentionJob(database.db).handle({
    id: 'job',
    data: {},
    attempt: 0,
    signal: new AbortController().signal,
  });

async function contentsOf(agentId: string): Promise<string[]> {
  const result = await database.db.execute(
    sql`select content from memories where agent_id = ${agentId} order by content`,
  );
  return rowsOf<{ content: string }>(result).map((row) => row.content);
}

/** Backdates the memories whose content starts with `prefix`: stored, restated and last recalled days ago. */
async function backdate(agentId: string, prefix: string, days: { stored: number; recalled?: number }) {
  await database.db.execute(sql`update memories
    set created_at = now() - make_interval(days => ${days.stored}),
      updated_at = now() - make_interval(days => ${days.stored}),
      last_accessed_at = ${days.recalled === undefined ? null : sql`now() - make_interval(days => ${days.recalled})`}
    where agent_id = ${agentId} and content like ${`${prefix}%`}`);
}

describe('memory retention job', () => {
  it('deletes the memories unused for longer than each agent’s memory_retention, in batches; 0 keeps them', async () => {
    const principal = await newOrganization(database.db);
    const agents = createTestAgentService(database.db);
    const context = { principal, ipAddress: null };
    const standard = await agents.create({ name: 'Five days' }, context);
    const forever = await agents.create({ name: 'Forever', memory_retention: 0 }, context);
    const month = await agents.create({ name: 'A month', memory_retention: 30 }, context);
    const store = (agentId: string, contents: string[]) =>
      storeMemories(
        database.db,
        contents.map((content) => ({
          organizationId: principal.organizationId,
          agentId,
          place: { scope: 'agent' as const },
          kind: 'fact',
          content,
        })),
      );
    const expired = Array.from({ length: 1_050 }, (_, index) => `old ${index}`);
    await store(standard.id, [...expired, 'fresh', 'recalled lately', 'stale recall']);
    await store(forever.id, ['ancient']);
    await store(month.id, ['ten days', 'forty days']);
    await backdate(standard.id, 'old', { stored: 6 });
    await backdate(standard.id, 'recalled lately', { stored: 20, recalled: 1 });
    await backdate(standard.id, 'stale recall', { stored: 20, recalled: 6 });
    await backdate(forever.id, 'ancient', { stored: 900 });
    await backdate(month.id, 'ten days', { stored: 10 });
    await backdate(month.id, 'forty days', { stored: 40 });

    const job = memoryRetentionJob(database.db);
    expect(job.schedule).toBe('43 3 * * *');
    await runJob();

    expect(await contentsOf(standard.id)).toEqual(['fresh', 'recalled lately']);
    expect(await contentsOf(forever.id)).toEqual(['ancient']);
    expect(await contentsOf(month.id)).toEqual(['ten days']);
    // Nothing more expires on a second run.
    await runJob();
    expect(await contentsOf(standard.id)).toEqual(['fresh', 'recalled lately']);
  });
});
