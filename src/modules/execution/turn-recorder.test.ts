import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAgentService } from '../../../test/support/agent-service.ts';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { type AgentryEvent, type EventBus, startEventBus } from '../../platform/events/event-bus.ts';
import { NotFoundError } from '../../platform/http/errors.ts';
import type { AgentService } from '../agents/agent-service.ts';
import { createMessageService } from '../conversations/message-service.ts';
import { createSessionService } from '../conversations/session-service.ts';
import { createRunService } from '../runs/run-service.ts';
import type { Principal } from '../tenancy/index.ts';
import type { TurnEnd, TurnStart } from './turn-record.ts';
import { createTurnRecorder, RUN_START_WRITE_DELAY_MS } from './turn-recorder.ts';
import { createTurnRegistry } from './turn-registry.ts';

let database: TestDatabase;
let bus: EventBus;
let agents: AgentService;
let principal: Principal;
const events: AgentryEvent[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  bus = await startEventBus(database.connection, database.db, { onError: (error) => console.error(error) });
  agents = createTestAgentService(database.db);
  principal = await newOrganization(database.db, uuidv7());
  bus.subscribe(principal.organizationId, (event) => events.push(event));
});
afterAll(async () => {
  await bus.close();
  await database.dispose();
});

const recorder = () =>
  createTurnRecorder({
    db: database.db,
    events: bus,
    registry: createTurnRegistry(),
    processId: uuidv7(),
    onError: (error) => {
      throw error;
    },
  });
const runs = () => createRunService({ db: database.db, requireAgent: agents.get });
const sessions = () => createSessionService({ db: database.db, requireAgent: agents.get });
const messages = () => createMessageService({ db: database.db });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const eventsOf = (runId: string) =>
  events.filter((event) => event.data.run_id === runId).map((event) => event.type);

const newAgent = async () => (await agents.create({ name: 'Recorded' }, { principal, ipAddress: null })).id;

function startOf(agentId: string, session: TurnStart['session']): TurnStart {
  return {
    runId: uuidv7(),
    principal,
    agent: { id: agentId, version: 1, projectId: null },
    trigger: 'chat',
    session,
    input: { message: 'hello' },
    model: 'stub-model',
    provider: { id: 'provider-1', name: 'Stub', type: 'openai_compatible' },
    warnings: [],
    startedAt: new Date(),
  };
}

const message = (role: 'user' | 'assistant', content: string) => ({
  id: uuidv7(),
  role,
  content,
  metadata: {},
  toolCalls: [],
});

function endOf(
  start: TurnStart,
  outcome: { status: 'completed' } | { status: 'failed' | 'cancelled'; error: string },
): TurnEnd {
  const completed = outcome.status === 'completed';
  const [user, assistant] = [message('user', `question ${start.runId}`), message('assistant', 'answer')];
  return {
    start,
    status: outcome.status,
    output: completed ? 'answer' : null,
    error: completed ? null : { code: 'provider_error', message: (outcome as { error: string }).error },
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    costEstimate: 0.001,
    model: start.model,
    provider: start.provider,
    fallbackUsed: false,
    warnings: [],
    actions: [
      {
        actionType: 'llm_call',
        actionData: { step: 1 },
        resultData: { finish_reason: 'stop' },
        success: completed,
        executionTimeMs: 2,
        at: new Date(),
      },
    ],
    messages: completed && start.session ? { user, assistant } : null,
    completedAt: new Date(),
    hookView: {} as TurnEnd['hookView'],
  };
}

describe('turn recorder', () => {
  it('stores a quick turn as one record: its new session with the greeting, the exchange, the run, its actions, the counters and both events', async () => {
    const agentId = await newAgent();
    const session = {
      id: uuidv7(),
      created: true,
      userId: 'end-user',
      greeting: message('assistant', 'Hi!'),
    };
    const start = startOf(agentId, session);
    const { store } = recorder();
    store.recordStart(start);
    await store.recordEnd(endOf(start, { status: 'completed' }));

    const stored = await sessions().get(principal, session.id);
    expect(stored).toMatchObject({ agent_id: agentId, user_id: 'end-user', message_count: 3 });
    const listed = await messages().list(principal, session.id, { limit: 10, offset: 0 });
    expect(listed.items.map((item) => [item.role, item.content])).toEqual([
      ['assistant', 'Hi!'],
      ['user', `question ${start.runId}`],
      ['assistant', 'answer'],
    ]);
    const run = await runs().get(principal, start.runId);
    expect(run).toMatchObject({
      status: 'completed',
      output: 'answer',
      session_id: session.id,
      cost_estimate: 0.001,
    });
    expect(run.actions.map((action) => action.action_type)).toEqual(['llm_call']);
    const agent = await agents.get(principal, agentId);
    expect(agent).toMatchObject({ interaction_count: 1, runtime: { state: 'idle', health: 'healthy' } });
    await expect.poll(() => eventsOf(start.runId)).toEqual(['run-started', 'run-completed']);
  });

  it('writes the start of a turn still running after a moment: the run shows running and the agent busy, then the end completes it', async () => {
    const agentId = await newAgent();
    const start = startOf(agentId, { id: uuidv7(), created: true, userId: null, greeting: null });
    const { store } = recorder();
    store.recordStart(start);
    await sleep(RUN_START_WRITE_DELAY_MS * 4);
    await expect.poll(async () => (await runs().get(principal, start.runId)).status).toBe('running');
    expect((await agents.get(principal, agentId)).runtime.state).toBe('busy');
    expect((await sessions().get(principal, start.session?.id as string)).message_count).toBe(0);

    await store.recordEnd(endOf(start, { status: 'completed' }));
    expect((await runs().get(principal, start.runId)).status).toBe('completed');
    expect((await agents.get(principal, agentId)).runtime.state).toBe('idle');
    expect((await sessions().get(principal, start.session?.id as string)).message_count).toBe(2);
    await expect.poll(() => eventsOf(start.runId)).toEqual(['run-started', 'run-completed']);
  });

  it('stores turns ending together in one batch, and every message of one session', async () => {
    const agentId = await newAgent();
    const session = await sessions().create(principal, { agent_id: agentId });
    const { store } = recorder();
    const ends = Array.from({ length: 16 }, () => {
      const start = startOf(agentId, { id: session.id, created: false, userId: null, greeting: null });
      store.recordStart(start);
      return endOf(start, { status: 'completed' });
    });
    await Promise.all(ends.map((end) => store.recordEnd(end)));

    expect((await sessions().get(principal, session.id)).message_count).toBe(32);
    const listed = await messages().list(principal, session.id, { limit: 100, offset: 0 });
    for (const end of ends) {
      const question = listed.items.findIndex((item) => item.id === end.messages?.user.id);
      const answer = listed.items.findIndex((item) => item.id === end.messages?.assistant.id);
      expect(question).toBeGreaterThanOrEqual(0);
      expect(answer).toBe(question + 1);
    }
    expect((await agents.get(principal, agentId)).interaction_count).toBe(16);
  });

  it('keeps the failure streak and health across batches; a completion ends the streak, a cancellation only settles the state', async () => {
    const agentId = await newAgent();
    const { store } = recorder();
    const end = (outcome: Parameters<typeof endOf>[1]) =>
      store.recordEnd(endOf(startOf(agentId, null), outcome));
    const runtime = async () => (await agents.get(principal, agentId)).runtime;

    await end({ status: 'failed', error: 'provider down' });
    expect(await runtime()).toMatchObject({
      state: 'error',
      health: 'warning',
      consecutive_failures: 1,
      last_error: 'provider down',
    });
    await Promise.all([
      end({ status: 'failed', error: 'still down' }),
      end({ status: 'failed', error: 'still down' }),
    ]);
    expect(await runtime()).toMatchObject({ state: 'error', health: 'error', consecutive_failures: 3 });
    await end({ status: 'cancelled', error: 'client went away' });
    expect(await runtime()).toMatchObject({ state: 'idle', health: 'error', consecutive_failures: 3 });
    await end({ status: 'completed' });
    expect(await runtime()).toMatchObject({ state: 'idle', health: 'healthy', consecutive_failures: 0 });
    const agent = await agents.get(principal, agentId);
    expect(agent.interaction_count).toBe(1);
    expect(agent.last_interaction_at).not.toBeNull();
  });

  it('stores nothing of a completed turn whose session was deleted meanwhile; its failure is stored', async () => {
    const agentId = await newAgent();
    const session = await sessions().create(principal, { agent_id: agentId });
    const { store } = recorder();
    const start = startOf(agentId, { id: session.id, created: false, userId: null, greeting: null });
    store.recordStart(start);
    await sessions().remove(principal, session.id);

    await expect(store.recordEnd(endOf(start, { status: 'completed' }))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(runs().get(principal, start.runId)).rejects.toBeInstanceOf(NotFoundError);
    await store.recordEnd(endOf(start, { status: 'failed', error: 'Session not found' }));
    expect(await runs().get(principal, start.runId)).toMatchObject({
      status: 'failed',
      session_id: session.id,
    });
    expect((await agents.get(principal, agentId)).interaction_count).toBe(0);
  });
});
