import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { AgentryEvent } from '../../platform/events/event-bus.ts';
import { createAgentService } from '../agents/agent-service.ts';
import { insertOrganization } from '../tenancy/account-repository.ts';
import { abandonedRunsJob } from './run-jobs.ts';
import { createRunService } from './run-service.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

describe('abandoned runs job', () => {
  it('fails runs left running by a dead process, releases their agent, announces them, and leaves live runs alone', async () => {
    const organization = await insertOrganization(database.db, {
      id: uuidv7(),
      name: 'o',
      slug: `o-${uuidv7()}`,
    });
    const principal = {
      organizationId: organization.id,
      role: 'org_admin' as const,
      userId: null,
      apiKeyId: null,
    };
    const agents = createAgentService({ db: database.db, promptScreening: 'block' });
    const agent = await agents.create({ name: 'Worker' }, { principal, ipAddress: null });
    const runs = createRunService({ db: database.db });
    const start = {
      agentId: agent.id,
      agentVersion: 1,
      sessionId: null,
      trigger: 'chat' as const,
      input: { message: 'hi' },
      model: 'agentry-offline',
      provider: { id: 'offline', name: 'Offline', type: 'offline' },
      warnings: [],
    };
    const abandoned = await runs.start(principal, start);
    await agents.recordTurnStarted(principal, agent.id);
    const live = await runs.start(principal, start);
    await agents.recordTurnStarted(principal, agent.id);
    await database.db.execute(
      sql`update runs set started_at = now() - interval '2 hours' where id = ${abandoned.id}`,
    );

    const published: Pick<AgentryEvent, 'type' | 'organization_id' | 'data'>[] = [];
    const job = abandonedRunsJob(
      database.db,
      { publish: async (event) => void published.push(event) },
      agents,
    );
    await job.handle({ id: 'job', data: {}, attempt: 0, signal: new AbortController().signal });

    expect(await runs.get(principal, abandoned.id)).toMatchObject({
      status: 'failed',
      error: { code: 'abandoned' },
    });
    expect((await runs.get(principal, live.id)).status).toBe('running');
    // The dead turn no longer holds the agent; the live one still does.
    expect((await agents.get(principal, agent.id)).runtime.state).toBe('busy');
    await agents.recordTurnEnded(principal, agent.id, { status: 'completed' });
    expect((await agents.get(principal, agent.id)).runtime.state).toBe('idle');
    expect(published).toEqual([
      expect.objectContaining({
        type: 'run-failed',
        organization_id: organization.id,
        data: expect.objectContaining({ run_id: abandoned.id }),
      }),
    ]);
  });
});
