import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationTestSetup } from '../../../test/support/conversation-services.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
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

const open = (
  who: Principal,
  request: {
    sessionId?: string;
    agentId?: string;
    userId?: string;
    historyWindow?: number;
  },
) =>
  setup.sessions.openSession(who, {
    newSessionId: uuidv7(),
    agentId: request.agentId ?? agentId,
    agentProjectId: null,
    historyWindow: request.historyWindow ?? 20,
    ...(request.sessionId ? { sessionId: request.sessionId } : {}),
    ...(request.userId ? { userId: request.userId } : {}),
  });

describe('openSession (the turn engine)', () => {
  it('plans a new session under the given id without writing it', async () => {
    const newSessionId = uuidv7();
    const opened = await setup.sessions.openSession(principal, {
      newSessionId,
      agentId,
      agentProjectId: null,
      userId: 'end-user-1',
      historyWindow: 20,
    });
    expect(opened).toEqual({
      id: newSessionId,
      created: true,
      userId: 'end-user-1',
      history: [],
      summary: null,
      messageCount: 0,
    });
    await expect(setup.sessions.get(principal, newSessionId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('continues a session with its latest user and assistant messages, oldest first, in the window', async () => {
    const session = await setup.sessions.create(principal, { agent_id: agentId, user_id: 'end-user-2' });
    for (const [index, role] of (
      ['user', 'assistant', 'system', 'user', 'tool', 'assistant'] as const
    ).entries()) {
      await setup.messages.post(principal, session.id, { role, content: `m${index}` });
    }
    const opened = await open(principal, { sessionId: session.id, userId: 'end-user-2', historyWindow: 5 });
    // The window counts every role; stored system and tool messages are not replayed. m0 fell out
    // of the window, but no summary covers it yet: it stays, ahead of the window (the backlog).
    expect(opened).toEqual({
      id: session.id,
      created: false,
      userId: 'end-user-2',
      history: [
        { role: 'user', content: 'm0' },
        { role: 'assistant', content: 'm1' },
        { role: 'user', content: 'm3' },
        { role: 'assistant', content: 'm5' },
      ],
      summary: null,
      messageCount: 6,
    });
    expect((await open(principal, { sessionId: session.id, historyWindow: 0 })).history).toEqual([]);
  });

  it('refuses a session of another agent or end user (400), organization (403) or none (404)', async () => {
    const session = await setup.sessions.create(principal, { agent_id: agentId, user_id: 'end-user-3' });
    const otherAgent = await setup.agent(principal);
    await expect(open(principal, { sessionId: session.id, agentId: otherAgent })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    await expect(open(principal, { sessionId: session.id, userId: 'someone-else' })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    const stranger = await setup.organization();
    await expect(open(stranger, { sessionId: session.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      open(principal, { sessionId: '01900000-0000-7000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await setup.sessions.remove(principal, session.id);
    await expect(open(principal, { sessionId: session.id })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('openSession of a session without an agent (seed 004)', () => {
  it('reads it for any agent, with the messages added before, and binds it only when asked', async () => {
    const session = await setup.sessions.create(principal, { title: 'Unbound' });
    expect(session.agent_id).toBeNull();
    await setup.messages.post(principal, session.id, { role: 'user', content: 'Added before any turn' });
    const otherAgent = await setup.agent(principal);
    for (const reader of [otherAgent, agentId]) {
      const opened = await open(principal, { sessionId: session.id, agentId: reader });
      expect(opened.history).toEqual([{ role: 'user', content: 'Added before any turn' }]);
      expect(opened.bindAgent).toBeTypeOf('function');
    }
    expect((await setup.sessions.get(principal, session.id)).agent_id).toBeNull();

    await (await open(principal, { sessionId: session.id })).bindAgent?.();
    expect((await setup.sessions.get(principal, session.id)).agent_id).toBe(agentId);
    const again = await open(principal, { sessionId: session.id });
    expect(again.bindAgent).toBeUndefined();
    await expect(open(principal, { sessionId: session.id, agentId: otherAgent })).rejects.toMatchObject({
      code: 'session_agent_mismatch',
    });
  });

  it('lets exactly one of two agents that opened it bind it; the other is refused', async () => {
    const session = await setup.sessions.create(principal, {});
    const otherAgent = await setup.agent(principal);
    // Both turns read the session while it had no agent, then both try to bind it.
    const agents = [agentId, otherAgent];
    const opened = await Promise.all(
      agents.map((agent) => open(principal, { sessionId: session.id, agentId: agent })),
    );
    const outcomes = await Promise.allSettled(opened.map((each) => each.bindAgent?.()));
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    expect((outcomes[1 - winner] as PromiseRejectedResult).reason).toMatchObject({
      code: 'session_agent_mismatch',
    });
    expect((await setup.sessions.get(principal, session.id)).agent_id).toBe(agents[winner]);
    // Binding again for the agent that has it is a no-op.
    await expect(opened[winner]?.bindAgent?.()).resolves.toBeUndefined();
  });

  it('keeps it within the organization: another one cannot open it (403)', async () => {
    const session = await setup.sessions.create(principal, {});
    const stranger = await setup.organization();
    const strangerAgent = await setup.agent(stranger);
    await expect(open(stranger, { sessionId: session.id, agentId: strangerAgent })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect((await setup.sessions.get(principal, session.id)).agent_id).toBeNull();
  });
});
