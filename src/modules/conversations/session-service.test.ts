import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationTestSetup } from '../../../test/support/conversation-services.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';

let setup: Awaited<ReturnType<typeof conversationTestSetup>>;
let principal: Principal;
let agentId: string;

beforeAll(async () => {
  setup = await conversationTestSetup();
  principal = await setup.organization();
  agentId = await setup.agent(principal);
});
afterAll(() => setup.database.dispose());

describe('getOrCreateSession (execution pipeline)', () => {
  it('starts a session when none is named', async () => {
    const { session, created } = await setup.sessions.getOrCreate(principal, {
      agentId,
      userId: 'end-user-1',
    });
    expect(created).toBe(true);
    expect(session).toMatchObject({ agent_id: agentId, user_id: 'end-user-1', message_count: 0 });
  });

  it('continues a named session of the same agent and end user', async () => {
    const { session } = await setup.sessions.getOrCreate(principal, { agentId, userId: 'end-user-2' });
    const again = await setup.sessions.getOrCreate(principal, {
      sessionId: session.id,
      agentId,
      userId: 'end-user-2',
    });
    expect(again).toEqual({ session, created: false });
  });

  it('refuses a session of another agent or end user (400), organization (403) or none (404)', async () => {
    const { session } = await setup.sessions.getOrCreate(principal, { agentId, userId: 'end-user-3' });
    const otherAgent = await setup.agent(principal);
    await expect(
      setup.sessions.getOrCreate(principal, { sessionId: session.id, agentId: otherAgent }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      setup.sessions.getOrCreate(principal, { sessionId: session.id, agentId, userId: 'someone-else' }),
    ).rejects.toBeInstanceOf(BadRequestError);
    const stranger = await setup.organization();
    await expect(
      setup.sessions.getOrCreate(stranger, { sessionId: session.id, agentId }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setup.sessions.getOrCreate(stranger, { agentId })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      setup.sessions.getOrCreate(principal, { sessionId: '01900000-0000-7000-8000-000000000000', agentId }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});
