import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import type { AgentService } from './agent-service.ts';

let database: TestDatabase;
let agents: AgentService;
let principal: Principal;

async function organization(): Promise<Principal> {
  return newOrganization(database.db, uuidv7());
}

beforeAll(async () => {
  database = await createTestDatabase();
  agents = createTestAgentService(database.db);
  principal = await organization();
});
afterAll(() => database.dispose());

const context = (changeReason?: string) => ({ principal, ipAddress: '10.0.0.1', changeReason });

describe('agent service', () => {
  it('creates many agents per organization, each scoped to it', async () => {
    const support = await agents.create({ name: 'Support Agent' }, context());
    const sales = await agents.create({ name: 'Sales Agent' }, context());
    expect([support.organization_id, sales.organization_id]).toEqual([
      principal.organizationId,
      principal.organizationId,
    ]);
    const { items, total } = await agents.list(principal, { search: 'Agent' }, { limit: 10, offset: 0 });
    expect(total).toBeGreaterThanOrEqual(2);
    expect(items.map((agent) => agent.name)).toEqual(
      expect.arrayContaining(['Support Agent', 'Sales Agent']),
    );
  });

  it('records each changed field with who, why and from where (seed 000 update_with_history)', async () => {
    const agent = await agents.create({ name: 'History' }, context());
    await agents.update(
      agent.id,
      { role: 'Support Agent', tone: 'professional' },
      context('Initial configuration'),
    );
    const { items } = await agents.history(principal, agent.id, { limit: 50, offset: 0 });
    const role = items.find((row) => row.field_changed === 'role');
    expect(role).toMatchObject({
      new_value: 'Support Agent',
      old_value: null,
      changed_by_api_key_id: principal.apiKeyId,
      change_reason: 'Initial configuration',
      ip_address: '10.0.0.1',
      version: 2,
    });
    expect(items.filter((row) => row.version === 2)).toHaveLength(2);
  });

  it('returns the history of one field (seed 000 get_field_history)', async () => {
    const agent = await agents.create({ name: 'Field history' }, context());
    await agents.update(agent.id, { role: 'V1' }, context());
    await agents.update(agent.id, { role: 'V2' }, context());
    await agents.update(agent.id, { tone: 'professional' }, context());
    const { items, total } = await agents.history(principal, agent.id, {
      limit: 10,
      offset: 0,
      fieldFilter: 'role',
    });
    expect(total).toBe(2);
    expect(items.map((row) => row.new_value)).toEqual(['V2', 'V1']);
  });

  it('refuses a stale expected version with a ConflictError and changes nothing', async () => {
    const agent = await agents.create({ name: 'Stale' }, context());
    await agents.update(agent.id, { role: 'A' }, context());
    await expect(
      agents.update(agent.id, { role: 'B' }, { ...context(), expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await agents.get(principal, agent.id)).role).toBe('A');
  });

  it('tells another organization’s agent (forbidden) from a missing one (not found)', async () => {
    const agent = await agents.create({ name: 'Private' }, context());
    const other = await organization();
    await expect(agents.get(other, agent.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(agents.get(other, uuidv7())).rejects.toBeInstanceOf(NotFoundError);
    await expect(agents.remove(agent.id, { principal: other, ipAddress: null })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await agents.get(principal, agent.id)).status).toBe('active');
  });
});
