import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentryModule } from '../src/app.ts';
import type { JobQueue } from '../src/platform/queue/job-queue.ts';
import { type OpenAiStub, startOpenAiStub } from './stubs/openai-stub.ts';
import { echoScript, type RecordedRequest } from './stubs/stub-server.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { connectProvider } from './support/provider-validation.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * How memories are written (docs/memory.md): after a completed turn in a session, a background job
 * extracts durable statements from the exchange (deterministically for the offline model, with the
 * agent's model otherwise) and stores them in the thread's namespace and, when they are about the
 * user, the user's; later sessions of the same end user recall them, no one else does.
 */
const KEY = 'sk-stub-key-0123456789';
const QUEUE = 'memory-extraction';
const MARKER = "You maintain an AI assistant's long-term memory.";

let stub: OpenAiStub;
let app: TestApp;
let queue: JobQueue;
let owner: TestAccount;
let stranger: TestAccount;
let integrator: TestAccount;

/** The app's own pg-boss queue, to deliver a job again as a redelivery would. */
const captureQueue: AgentryModule = (_app, { jobs }) => {
  jobs.atStart(async (started) => {
    queue = started;
  });
};

const bodyOf = (request: RecordedRequest | undefined) => request?.body as Record<string, any>;
const isExtraction = (request: RecordedRequest) =>
  String(bodyOf(request).messages?.[0]?.content ?? '').startsWith(MARKER);
const extractionRequests = () =>
  stub.requests.filter((request) => request.path === '/v1/chat/completions' && isExtraction(request));
/** What the model was sent for the turn whose message this is (its own call, not an extraction). */
function turnRequestSaying(message: string) {
  const sent = stub.requests.filter(
    (request) =>
      request.path === '/v1/chat/completions' &&
      !isExtraction(request) &&
      JSON.stringify(bodyOf(request).messages).includes(message),
  );
  expect(sent, message).toHaveLength(1);
  return JSON.stringify(bodyOf(sent[0]).messages);
}
/** What the stub answers the next extraction calls with (text), or how many of them fail first. */
let extractionAnswers: string[] = [];
let extractionFailures = 0;

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(account: TestAccount, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Rememberer', show_suggestions_after_each_message: false, ...body },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

interface Turn {
  session_id: string;
  run_id: string;
  user_message_id: string;
  message_id: string;
  content: string;
}

async function say(
  account: TestAccount,
  agentId: string,
  message: string,
  conversation: { session_id?: string; user_id?: string } = {},
): Promise<Turn> {
  const response = await app.http.post(
    `/api/v1/agents/${agentId}/execute`,
    { message, stream: false, ...conversation },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function jobsOfRun(runId: string) {
  const { rows } = (await app.database.db.execute(
    sql`select id, state from pgboss.job where name = ${QUEUE} and data->>'runId' = ${runId}`,
  )) as unknown as { rows: { id: string; state: string }[] };
  return rows;
}

async function jobsOfAgent(agentId: string) {
  const { rows } = (await app.database.db.execute(
    sql`select id from pgboss.job where name = ${QUEUE} and data->>'agentId' = ${agentId}`,
  )) as unknown as { rows: { id: string }[] };
  return rows;
}

async function jobState(jobId: string) {
  const { rows } = (await app.database.db.execute(
    sql`select state from pgboss.job where id = ${jobId}`,
  )) as unknown as { rows: { state: string }[] };
  return rows[0]?.state;
}

/** Waits until the job is done (its state) and returns it. */
async function settled(jobId: string | null | undefined, state = 'completed') {
  expect(jobId).toBeTruthy();
  await expect.poll(() => jobState(jobId as string), { timeout: 30_000, interval: 100 }).toBe(state);
}

/** Waits until the turn's memory job completed. */
async function learnt(turn: Turn) {
  await expect.poll(async () => (await jobsOfRun(turn.run_id)).length, { timeout: 10_000 }).toBe(1);
  const [job] = await jobsOfRun(turn.run_id);
  await settled(job?.id);
}

/** Waits until the memory job the turn asked for, if any (enqueued with its end), is done. */
async function settledTurn(turn: Turn) {
  for (const job of await jobsOfRun(turn.run_id)) await settled(job.id);
}

interface MemoryBody {
  id: string;
  scope: string;
  namespace: string;
  user_id: string | null;
  session_id: string | null;
  kind: string;
  content: string;
  metadata: Record<string, any>;
  source: { run_id: string | null; message_id: string | null };
  reinforcement: number;
  access_count: number;
}

async function memoriesOf(account: TestAccount, agentId: string, query = '') {
  const response = await app.http.get(`/api/v1/agents/${agentId}/memories${query}`, as(account));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as MemoryBody[];
}

/** A turn's job, as the hook sent it: to deliver again. */
const jobData = (account: TestAccount, agentId: string, turn: Turn, userId: string | null) => ({
  organizationId: account.organizationId,
  agentId,
  agentVersion: 1,
  sessionId: turn.session_id,
  userId,
  runId: turn.run_id,
  userMessageId: turn.user_message_id,
  assistantMessageId: turn.message_id,
  role: 'org_admin',
  actingUserId: account.userId,
  actingApiKeyId: null,
});

beforeAll(async () => {
  stub = await startOpenAiStub({ apiKey: KEY, models: ['gpt-stub'] });
  app = await startTestApp(
    {
      OUTBOUND_ALLOWLIST: '127.0.0.1',
      LLM_RETRY_MAX_ATTEMPTS: '2',
      LLM_RETRY_BASE_DELAY_MS: '1',
      LLM_RETRY_MAX_DELAY_MS: '5',
      LLM_BREAKER_FAILURE_THRESHOLD: '50',
    },
    'all',
    [captureQueue],
  );
  owner = await registerAccount(app.http, 'Offline owner');
  stranger = await registerAccount(app.http, 'Stranger');
  integrator = await registerAccount(app.http, 'Integrator');
  await connectProvider(app.http, as(integrator), { baseUrl: stub.url, apiKey: KEY });
});
afterAll(async () => {
  await app?.close();
  await stub?.close();
});
beforeEach(() => {
  stub.reset();
  extractionAnswers = [];
  extractionFailures = 0;
  stub.setScript((request) => {
    if (!isExtraction(request)) return echoScript(request);
    if (extractionFailures > 0) {
      extractionFailures -= 1;
      return { type: 'error', status: 500, message: 'The extraction failed' };
    }
    return { type: 'text', text: extractionAnswers.shift() ?? '{"memories": []}' };
  });
});

describe('with the offline model', () => {
  it("remembers the user's favourite colour in their later sessions, for them alone", async () => {
    const agentId = await createAgent(owner);
    const told = await say(owner, agentId, 'Hi! My favourite colour is teal.', { user_id: 'u1' });
    await learnt(told);

    const remembered = await memoriesOf(owner, agentId, '?user_id=u1');
    expect(
      remembered
        .map(({ scope, content }) => ({ scope, content }))
        .sort((a, b) => a.scope.localeCompare(b.scope)),
    ).toEqual([
      { scope: 'thread', content: "The user's favourite colour is teal." },
      { scope: 'user', content: "The user's favourite colour is teal." },
    ]);
    for (const memory of remembered) {
      expect(memory).toMatchObject({
        kind: 'preference',
        user_id: 'u1',
        source: { run_id: told.run_id, message_id: told.user_message_id },
        reinforcement: 1,
        metadata: {
          subject: 'favourite colour',
          source_run_ids: [told.run_id],
          stated_at: expect.any(String),
        },
      });
    }
    expect(remembered.find((memory) => memory.scope === 'thread')).toMatchObject({
      session_id: told.session_id,
      namespace: `${owner.organizationId}:${agentId}:thread:${told.session_id}`,
    });
    expect(remembered.find((memory) => memory.scope === 'user')).toMatchObject({
      session_id: null,
      namespace: `${owner.organizationId}:${agentId}:user:u1`,
    });

    // A new session of the same end user: the memory is in the context, and the answer quotes it.
    const asked = await say(owner, agentId, 'What is my favourite colour?', { user_id: 'u1' });
    expect(asked.session_id).not.toBe(told.session_id);
    expect(asked.content).toContain('teal');
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'What is my favourite colour?', session_id: asked.session_id },
      as(owner),
    );
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.system_prompt).toContain("The user's favourite colour is teal.");
    // A question states nothing: its turn asks for no job.
    expect(await jobsOfRun(asked.run_id)).toEqual([]);

    // Another end user of the same agent does not see it.
    const other = await say(owner, agentId, 'What is my favourite colour?', { user_id: 'u2' });
    expect(other.content).not.toContain('teal');
    const otherPreview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'What is my favourite colour?', session_id: other.session_id },
      as(owner),
    );
    expect(otherPreview.body.system_prompt).not.toContain('teal');
    expect(await memoriesOf(owner, agentId, '?user_id=u2')).toEqual([]);

    // Nor does another organization, with the same end user id.
    expectError(
      await app.http.get(`/api/v1/agents/${agentId}/memories?user_id=u1`, as(stranger)),
      403,
      'authorization_error',
    );
    const strangersAgent = await createAgent(stranger);
    const strangers = await say(stranger, strangersAgent, 'What is my favourite colour?', { user_id: 'u1' });
    expect(strangers.content).not.toContain('teal');
    expect(await memoriesOf(stranger, strangersAgent)).toEqual([]);
  });

  it('reinforces a restated fact in its one row, and a new value of it replaces the old', async () => {
    const agentId = await createAgent(owner);
    const first = await say(owner, agentId, 'My favourite colour is teal.', { user_id: 'u3' });
    await learnt(first);
    const again = await say(owner, agentId, 'my favourite colour is TEAL', {
      session_id: first.session_id,
      user_id: 'u3',
    });
    await learnt(again);

    const restated = await memoriesOf(owner, agentId, '?user_id=u3');
    expect(restated).toHaveLength(2);
    for (const memory of restated) {
      expect(memory.content).toBe("The user's favourite colour is teal.");
      // Each statement counts once; each recall into a turn's context counts too (access_count).
      expect(memory.reinforcement - memory.access_count).toBe(2);
      expect(memory.source.run_id).toBe(first.run_id);
      expect(memory.metadata.source_run_ids).toEqual([first.run_id, again.run_id]);
    }

    const changed = await say(owner, agentId, 'Actually, my favourite colour is blue now.', {
      session_id: first.session_id,
      user_id: 'u3',
    });
    await learnt(changed);
    const current = await memoriesOf(owner, agentId, '?user_id=u3');
    expect(current.map((memory) => memory.content)).toEqual([
      "The user's favourite colour is blue now.",
      "The user's favourite colour is blue now.",
    ]);
    expect(current.every((memory) => memory.reinforcement === 1)).toBe(true);

    // The older value, learnt late (its job delivered again), does not come back.
    await settled(await queue.send(QUEUE, jobData(owner, agentId, first, 'u3')));
    expect(await memoriesOf(owner, agentId, '?user_id=u3')).toEqual(current);
  });

  it('stores nothing twice when a job is delivered again, even twice at once', async () => {
    const agentId = await createAgent(owner);
    const turn = await say(owner, agentId, 'My name is Ada and I live in London.', { user_id: 'u4' });
    await learnt(turn);
    const before = await memoriesOf(owner, agentId, '?user_id=u4');
    expect(before.map((memory) => memory.content).sort()).toEqual([
      'The user lives in London.',
      'The user lives in London.',
      "The user's name is Ada.",
      "The user's name is Ada.",
    ]);

    await settled(await queue.send(QUEUE, jobData(owner, agentId, turn, 'u4')));
    const [one, two] = await Promise.all([
      queue.send(QUEUE, jobData(owner, agentId, turn, 'u4')),
      queue.send(QUEUE, jobData(owner, agentId, turn, 'u4')),
    ]);
    await Promise.all([settled(one), settled(two)]);
    expect(await memoriesOf(owner, agentId, '?user_id=u4')).toEqual(before);
  });

  it('remembers nothing for an agent without use_memory_context, at the turn or when the job runs', async () => {
    const agentId = await createAgent(owner, { memory_enabled: false });
    const turn = await say(owner, agentId, 'My name is Ada.', { user_id: 'u5' });
    expect(await jobsOfAgent(agentId)).toEqual([]);
    await settled(await queue.send(QUEUE, jobData(owner, agentId, turn, 'u5')));
    expect(await memoriesOf(owner, agentId)).toEqual([]);

    // Turned on later, the same turn's job stores it (once, however often it is delivered).
    const enabled = await app.http.patch(
      `/api/v1/agents/${agentId}`,
      { use_memory_context: true },
      as(owner),
    );
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    const [one, two] = await Promise.all([
      queue.send(QUEUE, jobData(owner, agentId, turn, 'u5')),
      queue.send(QUEUE, jobData(owner, agentId, turn, 'u5')),
    ]);
    await Promise.all([settled(one), settled(two)]);
    const stored = await memoriesOf(owner, agentId);
    expect(stored.map((memory) => [memory.scope, memory.content, memory.reinforcement])).toEqual(
      expect.arrayContaining([
        ['thread', "The user's name is Ada.", 1],
        ['user', "The user's name is Ada.", 1],
      ]),
    );
    expect(stored).toHaveLength(2);
  });

  it('learns only about the thread without an end user, and nothing from a turn without a session', async () => {
    const agentId = await createAgent(owner);
    const turn = await say(owner, agentId, 'My name is Ada. Remember that the launch is on Friday.');
    await learnt(turn);
    const stored = await memoriesOf(owner, agentId);
    expect(stored.map((memory) => [memory.scope, memory.user_id, memory.content]).sort()).toEqual([
      ['thread', null, 'The launch is on Friday.'],
      ['thread', null, "The user's name is Ada."],
    ]);

    const tested = await app.http.post(
      `/api/v1/agents/${agentId}/test`,
      { prompt: 'My name is Grace.' },
      as(owner),
    );
    expect(tested.status, JSON.stringify(tested.body)).toBe(200);
    expect(await jobsOfAgent(agentId)).toHaveLength(1);
  });
});

describe("with a provider's model", () => {
  it('asks the model for the memories of the exchange and stores what it lists', async () => {
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    extractionAnswers = [
      JSON.stringify({
        memories: [
          { kind: 'preference', content: 'The user prefers window seats.', about_user: true, subject: null },
          { kind: 'fact', content: 'The trip to Oslo is in June.', about_user: false, subject: null },
        ],
      }),
    ];
    const turn = await say(integrator, agentId, 'I always pick a window seat; we fly to Oslo in June.', {
      user_id: 'p1',
    });
    await learnt(turn);

    const [request] = extractionRequests();
    expect(extractionRequests()).toHaveLength(1);
    const messages = bodyOf(request).messages as { role: string; content: string }[];
    expect(messages).toHaveLength(2);
    expect(messages[1]?.content).toBe(
      `User: I always pick a window seat; we fly to Oslo in June.\n\nAssistant: ${turn.content}`,
    );
    const stored = await memoriesOf(integrator, agentId, '?user_id=p1');
    expect(stored.map((memory) => [memory.scope, memory.kind, memory.content]).sort()).toEqual([
      ['thread', 'fact', 'The trip to Oslo is in June.'],
      ['thread', 'preference', 'The user prefers window seats.'],
      ['user', 'preference', 'The user prefers window seats.'],
    ]);
    expect(stored.every((memory) => memory.source.run_id === turn.run_id)).toBe(true);

    // The next session of the same user is given it (the trip was the thread's, not the user's).
    const next = await say(integrator, agentId, 'Book my usual seat.', { user_id: 'p1' });
    await learnt(next);
    const sent = turnRequestSaying('Book my usual seat.');
    expect(sent).toContain('The user prefers window seats.');
    expect(sent).not.toContain('Oslo');
    expect(next.session_id).not.toBe(turn.session_id);

    // Another end user of the same agent is sent nothing of it.
    const other = await say(integrator, agentId, 'Which seat do I usually pick?', { user_id: 'p1-other' });
    await settledTurn(other);
    const sentForOther = turnRequestSaying('Which seat do I usually pick?');
    expect(sentForOther).not.toMatch(/window|Oslo/);
    expect(await memoriesOf(integrator, agentId, '?user_id=p1-other')).toEqual([]);

    // Nor is another organization's agent, on its own provider, for the same end user id.
    const rival = await registerAccount(app.http, 'Provider stranger');
    await connectProvider(app.http, as(rival), { baseUrl: stub.url, apiKey: KEY });
    expectError(
      await app.http.get(`/api/v1/agents/${agentId}/memories?user_id=p1`, as(rival)),
      403,
      'authorization_error',
    );
    const rivalsAgent = await createAgent(rival, { model: 'gpt-stub' });
    const rivals = await say(rival, rivalsAgent, 'Which seat do I like best?', { user_id: 'p1' });
    await settledTurn(rivals);
    const sentForRival = turnRequestSaying('Which seat do I like best?');
    expect(sentForRival).not.toMatch(/window|Oslo/);
    expect(await memoriesOf(rival, rivalsAgent)).toEqual([]);
  });

  it('falls back to the offline extraction when the answer is not a memories object', async () => {
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    extractionAnswers = ['Sure, I will remember that!'];
    const turn = await say(integrator, agentId, 'My name is Grace.', { user_id: 'p2' });
    await learnt(turn);
    expect(extractionRequests()).toHaveLength(1);
    expect(
      (await memoriesOf(integrator, agentId, '?scope=user&user_id=p2')).map((memory) => memory.content),
    ).toEqual(["The user's name is Grace."]);
    expect(app.logs.join('')).toContain('not a valid memories object');
  });

  it('retries a failed extraction call in the background, without touching the turn', async () => {
    extractionFailures = 2;
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    extractionAnswers = [
      JSON.stringify({
        memories: [
          { kind: 'fact', content: 'The user has a cat called Tom.', about_user: true, subject: null },
        ],
      }),
    ];
    const turn = await say(integrator, agentId, 'My cat is called Tom.', { user_id: 'p3' });
    await learnt(turn);
    // Both calls of the first attempt failed (LLM_RETRY_MAX_ATTEMPTS=2): the job's retry succeeded.
    expect(extractionRequests()).toHaveLength(3);
    expect(await memoriesOf(integrator, agentId, '?scope=user&user_id=p3')).toHaveLength(1);

    extractionFailures = 1_000;
    const failing = await say(integrator, agentId, 'My dog is called Rex.', { session_id: turn.session_id });
    const [job] = await jobsOfRun(failing.run_id);
    // Its first attempt (two calls) failed: the queue retries it later (3 times, 2 s and up apart,
    // then its dead letter queue), and the turn stands as it was answered.
    await settled(job?.id, 'retry');
    expect(extractionRequests()).toHaveLength(3 + 2);
    expect(await memoriesOf(integrator, agentId, '?scope=user&user_id=p3')).toHaveLength(1);
    const messages = await app.http.get(`/api/v1/sessions/${turn.session_id}/messages`, as(integrator));
    expect(messages.body.map((message: { content: string }) => message.content)).toContain(
      'My dog is called Rex.',
    );
  });

  it('asks for nothing after a failed turn', async () => {
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    stub.failNext(2, 500);
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'My name is Grace.', user_id: 'p4', stream: false },
      as(integrator),
    );
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(await jobsOfAgent(agentId)).toEqual([]);
    expect(await memoriesOf(integrator, agentId)).toEqual([]);
  });
});
