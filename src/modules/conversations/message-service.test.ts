import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationTestSetup } from '../../../test/support/conversation-services.ts';
import {
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../platform/http/errors.ts';
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

const newSession = async () => (await setup.sessions.create(principal, { agent_id: agentId })).id;

describe('message service API (execution pipeline)', () => {
  it('appends a turn in order, in one transaction, and counts it', async () => {
    const sessionId = await newSession();
    const turn = Array.from({ length: 25 }, (_, index) => ({
      role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `part ${index}`,
    }));
    const stored = await setup.messages.append(principal, sessionId, turn);
    expect(stored.map((message) => message.content)).toEqual(turn.map((message) => message.content));
    const listed = await setup.messages.list(principal, sessionId, { limit: 50, offset: 0 });
    expect(listed.items.map((message) => message.id)).toEqual(stored.map((message) => message.id));
    expect((await setup.sessions.get(principal, sessionId)).message_count).toBe(25);
  });

  it('writes nothing when one message of the turn is invalid', async () => {
    const sessionId = await newSession();
    const [first] = await setup.messages.append(principal, sessionId, [{ content: 'question' }]);
    const other = await newSession();
    const [foreign] = await setup.messages.append(principal, other, [{ content: 'elsewhere' }]);
    await expect(
      setup.messages.append(principal, sessionId, [
        { role: 'assistant', content: 'ok', parent_message_id: first?.id },
        { role: 'assistant', content: 'bad', parent_message_id: foreign?.id },
      ]),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(setup.messages.append(principal, sessionId, [{ content: '' }])).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect((await setup.sessions.get(principal, sessionId)).message_count).toBe(1);
    expect((await setup.messages.recent(principal, sessionId, 10)).map((message) => message.content)).toEqual(
      ['question'],
    );
  });

  it('returns the last N messages oldest first', async () => {
    const sessionId = await newSession();
    for (let index = 0; index < 6; index++) {
      await setup.messages.append(principal, sessionId, [{ content: `m${index}` }]);
    }
    const recent = await setup.messages.recent(principal, sessionId, 3);
    expect(recent.map((message) => message.content)).toEqual(['m3', 'm4', 'm5']);
    expect(await setup.messages.recent(principal, sessionId, 0)).toEqual([]);
    expect(await setup.messages.append(principal, sessionId, [])).toEqual([]);
  });

  it('keeps another organization’s session out of reach (403) and unknown ones 404', async () => {
    const sessionId = await newSession();
    const stranger = await setup.organization();
    await expect(setup.messages.recent(stranger, sessionId, 5)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setup.messages.append(stranger, sessionId, [{ content: 'x' }])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(setup.messages.append(stranger, sessionId, [])).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      setup.messages.recent(principal, '01900000-0000-7000-8000-000000000000', 5),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await setup.sessions.get(principal, sessionId)).message_count).toBe(0);
  });
});
