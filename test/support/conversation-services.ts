import { createMessageService } from '../../src/modules/conversations/message-service.ts';
import { createSessionService } from '../../src/modules/conversations/session-service.ts';
import type { Principal } from '../../src/modules/tenancy/index.ts';
import { uuidv7 } from '../../src/platform/db/ids.ts';
import { createTestAgentService } from './agent-service.ts';
import { newOrganization } from './organizations.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

/** A database with the conversation services wired as index.ts wires them, for the services' tests. */
export async function conversationTestSetup() {
  const database: TestDatabase = await createTestDatabase();
  const agents = createTestAgentService(database.db);
  const sessions = createSessionService({ db: database.db, requireAgent: agents.get });
  const messages = createMessageService({ db: database.db });

  async function organization(): Promise<Principal> {
    return newOrganization(database.db, uuidv7());
  }

  async function agent(principal: Principal) {
    const created = await agents.create({ name: 'Agent' }, { principal, ipAddress: null });
    return created.id;
  }

  return { database, sessions, messages, organization, agent };
}
