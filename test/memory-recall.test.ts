import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { postForEvents } from './support/sse-client.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Memories in turns (docs/memory.md): the memory context source recalls the best-scoring memories
 * of the agent's, the end user's and the thread's namespaces into the system prompt; the run
 * records which; recalled memories are reinforced after the turn; chat, /execute (and its stream) and
 * preview-context report memory_confidence;
 * the weights of the agent's memory settings change the ranking as the formula predicts. Every
 * turn is answered by the offline model.
 */
let app: TestApp;
let owner: TestAccount;
let stranger: TestAccount;

const as = (account: TestAccount) => ({ token: account.token });

interface Reference {
  source: string;
  memory_id?: string;
  namespace?: string;
  scope?: string;
  kind?: string;
  score?: number;
}

async function createAgent(body: Record<string, unknown> = {}, account = owner): Promise<string> {
  const response = await app.http.post('/api/v1/agents', { name: 'Rememberer', ...body }, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

async function remember(agentId: string, body: Record<string, unknown>, account = owner): Promise<string> {
  const response = await app.http.post(`/api/v1/agents/${agentId}/memories`, body, as(account));
  expect([200, 201], JSON.stringify(response.body)).toContain(response.status);
  return response.body.id;
}

async function startSession(agentId: string, userId: string): Promise<string> {
  const response = await app.http.post('/api/v1/sessions', { agent_id: agentId, user_id: userId }, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

async function preview(agentId: string, message: string, sessionId?: string) {
  const response = await app.http.post(
    `/api/v1/agents/${agentId}/preview-context`,
    { message, session_id: sessionId },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { system_prompt: string; references: Reference[]; memory_confidence: number };
}

const memoryReferences = (references: Reference[]) =>
  references.filter((reference) => reference.source === 'memory');
const recalledIds = (references: Reference[]) =>
  memoryReferences(references).map((reference) => reference.memory_id);
/** Seed 001's memory_confidence as docs/memory.md defines it: the mean score, capped at 1. */
function meanScore(references: Reference[]) {
  const scores = memoryReferences(references).map((reference) => reference.score as number);
  return Math.min(1, scores.reduce((sum, score) => sum + score, 0) / scores.length);
}

/** A turn through /execute, as JSON or streamed: its run and its memory_confidence. */
async function execute(agentId: string, body: Record<string, unknown>, streamed: boolean) {
  if (!streamed) {
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { ...body, stream: false },
      as(owner),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return {
      run_id: response.body.run_id as string,
      memory_confidence: response.body.metadata.memory_confidence as number,
    };
  }
  const response = await postForEvents(`${app.url}/api/v1/agents/${agentId}/execute/stream`, body, as(owner));
  const completed = response.events.at(-1);
  expect(completed?.event, JSON.stringify(response.events.at(-1))).toBe('run-completed');
  return { run_id: completed?.data.run_id as string, memory_confidence: completed?.data.memory_confidence };
}

async function retrievalOf(runId: string): Promise<Reference[]> {
  const run = await app.http.get(`/api/v1/runs/${runId}`, as(owner));
  const retrieval = run.body.actions.find(
    (action: { action_type: string }) => action.action_type === 'context_retrieval',
  );
  return retrieval?.result_data.references ?? [];
}

const memory = async (memoryId: string) =>
  (await app.http.get(`/api/v1/memories/${memoryId}`, as(owner))).body;

async function search(agentId: string, body: Record<string, unknown>) {
  const response = await app.http.post(`/api/v1/agents/${agentId}/memories/search`, body, as(owner));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    weights: Record<string, number>;
    memories: {
      id: string;
      content: string;
      score: number;
      components: { recency: number; relevance: number; reinforcement: number };
    }[];
  };
}

/** Makes a memory look unused for `days` (as if stored then and never used since). */
async function age(memoryId: string, days: number) {
  await app.database.db.execute(sql`update memories
    set created_at = now() - make_interval(days => ${days}), updated_at = now() - make_interval(days => ${days})
    where id = ${memoryId}`);
}

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Recall owner');
  stranger = await registerAccount(app.http, 'Recall stranger');
});
afterAll(() => app.close());

describe('the memory context source', () => {
  let agentId: string;
  let otherAgentId: string;
  let lenaSession: string;
  let maxSession: string;
  const ids = {} as Record<
    'returns' | 'lenaColour' | 'lenaThread' | 'maxColour' | 'maxThread' | 'otherAgent',
    string
  >;

  beforeAll(async () => {
    agentId = await createAgent({ prompt: 'You help customers of a paint shop.' });
    otherAgentId = await createAgent({ name: 'Other' });
    lenaSession = await startSession(agentId, 'lena');
    maxSession = await startSession(agentId, 'max');
    ids.returns = await remember(agentId, {
      content: 'Paint can be returned within 30 days.',
      scope: 'agent',
    });
    ids.lenaColour = await remember(agentId, {
      content: 'Her favourite colour is teal.',
      kind: 'preference',
      scope: 'user',
      user_id: 'lena',
    });
    ids.lenaThread = await remember(agentId, {
      content: 'She is repainting her kitchen this month.',
      kind: 'episode',
      scope: 'thread',
      session_id: lenaSession,
    });
    ids.maxColour = await remember(agentId, {
      content: 'His favourite colour is orange.',
      kind: 'preference',
      scope: 'user',
      user_id: 'max',
    });
    ids.maxThread = await remember(agentId, {
      content: 'He is painting a fence.',
      scope: 'thread',
      session_id: maxSession,
    });
    ids.otherAgent = await remember(otherAgentId, {
      content: 'Lena’s favourite colour is crimson.',
      scope: 'user',
      user_id: 'lena',
    });
    const foreign = await createAgent({ name: 'Foreign' }, stranger);
    await remember(
      foreign,
      { content: 'Her favourite colour is gold.', scope: 'user', user_id: 'lena' },
      stranger,
    );
  });

  it('shows the recalled memories in preview-context, from the agent’s, the user’s and the thread’s namespaces only', async () => {
    const lena = await preview(agentId, 'Which colour do I like?', lenaSession);
    expect(lena.system_prompt).toContain('# Memory');
    expect(lena.system_prompt).toContain('What you remember about this user: Her favourite colour is teal.');
    expect(lena.system_prompt).toContain(
      'What you remember from this conversation: She is repainting her kitchen this month.',
    );
    expect(lena.system_prompt).toContain('What you remember: Paint can be returned within 30 days.');
    expect(lena.system_prompt).not.toMatch(/orange|fence|crimson|gold/);
    expect(new Set(recalledIds(lena.references))).toEqual(
      new Set([ids.returns, ids.lenaColour, ids.lenaThread]),
    );
    // The most relevant first, with its namespace, scope, kind and score.
    expect(memoryReferences(lena.references)[0]).toEqual({
      source: 'memory',
      memory_id: ids.lenaColour,
      namespace: `${owner.organizationId}:${agentId}:user:lena`,
      scope: 'user',
      kind: 'preference',
      score: expect.any(Number),
    });

    const max = await preview(agentId, 'Which colour do I like?', maxSession);
    expect(new Set(recalledIds(max.references))).toEqual(
      new Set([ids.returns, ids.maxColour, ids.maxThread]),
    );
    const other = await preview(otherAgentId, 'Which colour do I like?');
    expect(recalledIds(other.references)).toEqual([]);
  });

  it('records the memories a turn was given on its run, and reinforces them after the turn', async () => {
    const before = await memory(ids.lenaColour);
    const turn = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Which colour do I like?', session_id: lenaSession, user_id: 'lena' },
      as(owner),
    );
    expect(turn.status, JSON.stringify(turn.body)).toBe(200);
    // The offline model quotes the passage of its context that matches the question best.
    expect(turn.body.content).toContain('teal');
    const references = await retrievalOf(turn.body.run_id);
    expect(new Set(recalledIds(references))).toEqual(new Set([ids.returns, ids.lenaColour, ids.lenaThread]));
    await expect
      .poll(async () => (await memory(ids.lenaColour)).access_count, { timeout: 10_000 })
      .toBe(before.access_count + 1);
    const after = await memory(ids.lenaColour);
    expect(after.reinforcement).toBe(before.reinforcement + 1);
    expect(after.last_accessed_at).not.toBeNull();
    // Not given to the turn: untouched.
    expect(await memory(ids.maxColour)).toMatchObject({ access_count: 0, reinforcement: 1 });
  });

  it('reads the agent’s namespace in turns without a session', async () => {
    const test = await app.http.post(
      `/api/v1/agents/${agentId}/test`,
      { prompt: 'Can I return paint?' },
      as(owner),
    );
    expect(test.status, JSON.stringify(test.body)).toBe(200);
    expect(recalledIds(await retrievalOf(test.body.run_id))).toEqual([ids.returns]);
  });

  it('answers chat with memory_confidence: the mean score of the recalled memories', async () => {
    const chat = await app.http.post(
      `/api/v1/agents/${agentId}/chat`,
      { user_input: 'Which colour do I like?', thread_id: lenaSession },
      as(owner),
    );
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    const scores = memoryReferences(await retrievalOf(chat.body.run_id)).map(
      (reference) => reference.score as number,
    );
    expect(scores).toHaveLength(3);
    const mean = scores.reduce((sum, score) => sum + score, 0) / scores.length;
    expect(chat.body.metadata.memory_confidence).toBeGreaterThan(0);
    expect(chat.body.metadata.memory_confidence).toBeCloseTo(Math.min(1, mean), 3);
  });

  it('reports memory_confidence in preview-context, in /execute’s metadata and in its stream’s run-completed', async () => {
    const message = 'Which colour do I like?';
    const shown = await preview(agentId, message, lenaSession);
    expect(memoryReferences(shown.references)).toHaveLength(3);
    expect(shown.memory_confidence).toBeGreaterThan(0);
    expect(shown.memory_confidence).toBeCloseTo(meanScore(shown.references), 3);

    for (const streamed of [false, true]) {
      const turn = await execute(agentId, { message, session_id: lenaSession }, streamed);
      const references = await retrievalOf(turn.run_id);
      expect(memoryReferences(references), `streamed: ${streamed}`).toHaveLength(3);
      expect(turn.memory_confidence, `streamed: ${streamed}`).toBeGreaterThan(0);
      expect(turn.memory_confidence, `streamed: ${streamed}`).toBeCloseTo(meanScore(references), 3);
    }

    // A new session without an end user recalls from the agent's namespace alone: its one memory.
    const alone = await execute(agentId, { message: 'Can I return paint?' }, false);
    const [returns] = memoryReferences(await retrievalOf(alone.run_id));
    expect(returns?.memory_id).toBe(ids.returns);
    expect(alone.memory_confidence).toBeCloseTo(returns?.score as number, 3);
  });

  it('recalls nothing for an agent whose memory is off (memory_enabled: false), and every answer reports 0', async () => {
    const quiet = await createAgent({ name: 'No memory', memory_enabled: false });
    const sessionId = await startSession(quiet, 'lena');
    await remember(quiet, { content: 'Her favourite colour is teal.', scope: 'user', user_id: 'lena' });
    const shown = await preview(quiet, 'Which colour do I like?', sessionId);
    expect(shown.system_prompt).not.toContain('# Memory');
    expect(memoryReferences(shown.references)).toEqual([]);
    expect(shown.memory_confidence).toBe(0);
    for (const streamed of [false, true]) {
      const turn = await execute(
        quiet,
        { message: 'Which colour do I like?', session_id: sessionId },
        streamed,
      );
      expect(turn.memory_confidence, `streamed: ${streamed}`).toBe(0);
    }
    const chat = await app.http.post(
      `/api/v1/agents/${quiet}/chat`,
      { message: 'Which colour do I like?', thread_id: sessionId },
      as(owner),
    );
    expect(chat.body.metadata.memory_confidence).toBe(0);
  });
});

describe('scoring', () => {
  it('ranks by relevance with alpha_semantic = 1, by recency with alpha_recency = 1, by reinforcement with alpha_reinforcement = 1', async () => {
    const agentId = await createAgent({ name: 'Weights' });
    const relevant = await remember(agentId, {
      content: 'The warehouse in Bergen stores the blue paint.',
      scope: 'agent',
    });
    const recent = await remember(agentId, { content: 'Deliveries were late yesterday.', scope: 'agent' });
    const reinforced = await remember(agentId, {
      content: 'Customers ask for samples often.',
      scope: 'agent',
    });
    for (let times = 0; times < 6; times += 1) {
      await remember(agentId, { content: 'customers ask for samples often', scope: 'agent' });
    }
    await age(relevant, 30);
    await age(reinforced, 12);
    const query = { query: 'Where is the blue paint stored?', k: 3 };

    const setWeights = async (alpha_recency: number, alpha_semantic: number, alpha_reinforcement: number) => {
      const response = await app.http.patch(
        `/api/v1/agents/${agentId}`,
        { memory: { alpha_recency, alpha_semantic, alpha_reinforcement } },
        as(owner),
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };

    await setWeights(0, 1, 0);
    const bySense = await search(agentId, query);
    expect(bySense.weights).toEqual({ alpha_recency: 0, alpha_semantic: 1, alpha_reinforcement: 0 });
    expect(bySense.memories[0]?.id).toBe(relevant);
    expect(bySense.memories[0]?.components.relevance).toBeGreaterThan(0.5);
    expect(bySense.memories[0]?.score).toBe(bySense.memories[0]?.components.relevance);

    await setWeights(1, 0, 0);
    const byAge = await search(agentId, query);
    expect(byAge.memories.map((found) => found.id)).toEqual([recent, reinforced, relevant]);
    // 30 days at a 6-day half-life: 2^-5.
    expect(byAge.memories[2]?.components.recency).toBeCloseTo(2 ** -5, 3);
    expect(byAge.memories[0]?.components.recency).toBeGreaterThan(0.99);

    await setWeights(0, 0, 1);
    const byUse = await search(agentId, query);
    expect(byUse.memories[0]?.id).toBe(reinforced);
    // Seven statements: 1 - 2^(-6/3).
    expect(byUse.memories[0]?.components.reinforcement).toBeCloseTo(0.75, 3);

    await setWeights(0.35, 0.45, 0.2);
    const mixed = await search(agentId, query);
    for (const found of mixed.memories) {
      const { recency, relevance, reinforcement } = found.components;
      expect(found.score).toBeCloseTo(0.35 * recency + 0.45 * relevance + 0.2 * reinforcement, 3);
    }
    // Searching reinforces nothing.
    expect(await memory(relevant)).toMatchObject({ access_count: 0, reinforcement: 1 });
  });

  it('recalls at most memory.k memories, best first', async () => {
    const agentId = await createAgent({ name: 'Few', memory: { k: 2 } });
    for (const content of [
      'Teal paint is popular.',
      'Teal and white go together.',
      'Brushes are in aisle 4.',
    ]) {
      await remember(agentId, { content, scope: 'agent' });
    }
    const shown = await preview(agentId, 'Tell me about teal paint');
    expect(memoryReferences(shown.references)).toHaveLength(2);
    const found = await search(agentId, { query: 'Tell me about teal paint' });
    expect(found.memories.map((memory) => memory.content)).toEqual([
      'Teal paint is popular.',
      'Teal and white go together.',
    ]);
  });
});
