import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { NewEvent } from '../../platform/events/event-bus.ts';
import { abandonOrphanedRuns } from '../runs/run-recovery.ts';
import { acquireProcessLease } from './process-lease.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

const noError = (error: unknown) => {
  throw error;
};

async function runningRun(processId: string | null) {
  const principal = await newOrganization(database.db);
  const agents = createTestAgentService(database.db);
  const agent = await agents.create({ name: 'Leased' }, { principal, ipAddress: null });
  const runId = uuidv7();
  await database.db.execute(sql`insert into runs (id, organization_id, agent_id, agent_version, trigger, status, input, usage, started_at, process_id)
    values (${runId}, ${principal.organizationId}, ${agent.id}, 1, 'chat', 'running', '{}', '{}', now() - interval '1 second', ${processId})`);
  const state = async () => {
    const rows = (await database.db.execute(
      sql`select status, error from runs where id = ${runId}`,
    )) as unknown as {
      rows: { status: string; error: { code: string } | null }[];
    };
    return { run: rows.rows[0], agent: (await agents.get(principal, agent.id)).runtime.state };
  };
  return { runId, state };
}

describe('process leases', () => {
  it('end the runs of a process whose heartbeat stopped, and only those, announcing them', async () => {
    const published: NewEvent[] = [];
    const dead = await acquireProcessLease(database.db, {
      role: 'all',
      recoverySeconds: 2,
      onError: noError,
    });
    const orphan = await runningRun(dead.id);
    await database.db.execute(
      sql`update process_leases set heartbeat_at = now() - interval '10 seconds' where id = ${dead.id}`,
    );
    const live = await acquireProcessLease(database.db, {
      role: 'api',
      recoverySeconds: 2,
      onError: noError,
    });
    const kept = await runningRun(live.id);
    expect(await orphan.state()).toEqual({ run: { status: 'running', error: null }, agent: 'busy' });

    live.onOrphanedWork(abandonOrphanedRuns({ publish: async (event) => void published.push(event) }));
    live.start();
    await expect.poll(async () => (await orphan.state()).run?.status).toBe('abandoned');
    expect(await orphan.state()).toEqual({
      run: { status: 'abandoned', error: expect.objectContaining({ code: 'abandoned' }) },
      agent: 'idle',
    });
    expect(await kept.state()).toMatchObject({ run: { status: 'running' }, agent: 'busy' });
    expect(published).toEqual([
      expect.objectContaining({
        type: 'run-abandoned',
        data: expect.objectContaining({ run_id: orphan.runId }),
      }),
    ]);
    // The expired lease is forgotten; the live one stays.
    const leases = (await database.db.execute(sql`select id from process_leases`)) as unknown as {
      rows: { id: string }[];
    };
    expect(leases.rows.map((row) => row.id)).toEqual([live.id]);

    // Released (a graceful stop): what the process still holds is ended at once.
    await live.release();
    expect((await kept.state()).run?.status).toBe('abandoned');
  });

  it('takes its lease again when it lost it while alive', async () => {
    const lease = await acquireProcessLease(database.db, {
      role: 'worker',
      recoverySeconds: 2,
      onError: noError,
    });
    await database.db.execute(sql`delete from process_leases where id = ${lease.id}`);
    lease.start();
    await expect
      .poll(async () => {
        const rows = (await database.db.execute(
          sql`select id from process_leases where id = ${lease.id}`,
        )) as unknown as {
          rows: unknown[];
        };
        return rows.rows.length;
      })
      .toBe(1);
    await lease.release();
  });
});
