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
 * Seed 001's `context_summary`: once a session's history outgrows its agent's thread window by a
 * batch, a background job summarizes the messages that fell out (incrementally, with the agent's
 * model, or deterministically for the offline model), and later turns see the summary ahead of the
 * window. With a window of 5 and a batch of 10, the first job comes with the 8th turn (16
 * messages, 11 fallen out), the next with the 13th (26 messages, 10 more fallen out).
 */
const KEY = 'sk-stub-key-0123456789';
const QUEUE = 'thread-summaries';
const WINDOW = 5;

let stub: OpenAiStub;
let app: TestApp;
let queue: JobQueue;
let owner: TestAccount;
let stranger: TestAccount;
let integrator: TestAccount;

/** Real pg-boss queue of the app, to send the jobs a turn would send (twice, or with another organization). */
const captureQueue: AgentryModule = (_app, { jobs }) => {
  jobs.atStart(async (started) => {
    queue = started;
  });
};

/** What the stub answers a summary request with, and how many such requests it should fail first. */
let summariesMade = 0;
let summaryFailures = 0;
const isSummaryRequest = (request: RecordedRequest) =>
  String(bodyOf(request).messages?.[0]?.content ?? '').includes('running summary');
const bodyOf = (request: RecordedRequest | undefined) => request?.body as Record<string, any>;
const chatRequests = () =>
  stub.requests.filter((request) => request.path === '/v1/chat/completions' && !isSummaryRequest(request));
const summaryRequests = () =>
  stub.requests.filter((request) => request.path === '/v1/chat/completions' && isSummaryRequest(request));
/**
 * The messages of the turn's own request, the last to end with `last`: background calls (memory
 * extraction after each turn) reach the stub too, so the newest request need not be the turn's.
 */
const sentFor = (last: string) =>
  chatRequests()
    .map((request) => bodyOf(request).messages as { role: string; content: string }[])
    .findLast((messages) => messages.at(-1)?.content === last) ?? [];

const as = (account: TestAccount) => ({ token: account.token });

async function createAgent(account: TestAccount, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    {
      name: 'Summarized',
      memory: { thread_window: WINDOW },
      show_suggestions_after_each_message: false,
      ...body,
    },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

/** `count` chat turns, numbered from `first`, in `sessionId` (a new session when absent). */
async function chat(account: TestAccount, agentId: string, count: number, first = 1, sessionId?: string) {
  let session = sessionId;
  for (let number = first; number < first + count; number += 1) {
    const response = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: `Question ${number}. Please answer it.`, ...(session ? { session_id: session } : {}) },
      as(account),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    session = response.body.session_id as string;
  }
  return session as string;
}

const getSession = async (account: TestAccount, sessionId: string) =>
  (await app.http.get(`/api/v1/sessions/${sessionId}`, as(account))).body;

/** Waits until the summary covers `count` messages. */
async function summarized(account: TestAccount, sessionId: string, count: number) {
  await expect
    .poll(async () => (await getSession(account, sessionId)).context_summary_message_count, {
      timeout: 20_000,
      interval: 100,
    })
    .toBe(count);
  return getSession(account, sessionId);
}

async function jobsOf(singletonKey: string) {
  const { rows } = (await app.database.db.execute(
    sql`select id, state from pgboss.job where name = ${QUEUE} and singleton_key = ${singletonKey}`,
  )) as unknown as { rows: { id: string; state: string }[] };
  return rows;
}

async function completed(jobId: string | null) {
  expect(jobId).not.toBeNull();
  await expect
    .poll(
      async () => {
        const { rows } = (await app.database.db.execute(
          sql`select state from pgboss.job where id = ${jobId}`,
        )) as unknown as { rows: { state: string }[] };
        return rows[0]?.state;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe('completed');
}

const jobData = (account: TestAccount, sessionId: string, organizationId = account.organizationId) => ({
  organizationId,
  sessionId,
  threadWindow: WINDOW,
  role: 'org_admin',
  actingUserId: account.userId,
  actingApiKeyId: null,
});

/** The lines of the offline model's summary: one per message, its first sentence. */
const OFFLINE_ANSWER = /^assistant: \[offline model\] .+\.$/;
const userLine = (number: number) => `user: Question ${number}.`;

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
  await app.close();
  await stub.close();
});
beforeEach(() => {
  stub.reset();
  summariesMade = 0;
  summaryFailures = 0;
  stub.setScript((request) => {
    if (!isSummaryRequest(request)) return echoScript(request);
    if (summaryFailures > 0) {
      summaryFailures -= 1;
      return { type: 'error', status: 500, message: 'The summary failed' };
    }
    summariesMade += 1;
    return { type: 'text', text: `Stub summary ${summariesMade}: the user asked numbered questions.` };
  });
});

describe('with the offline model', () => {
  it('asks for no job while less than a batch fell out, then summarizes in the background, one line a message', async () => {
    const agentId = await createAgent(owner);
    const sessionId = await chat(owner, agentId, 7);
    // 14 messages, 9 out of the window: no job yet.
    expect(await jobsOf(sessionId)).toEqual([]);
    expect(await getSession(owner, sessionId)).toMatchObject({
      message_count: 14,
      context_summary: null,
      context_summary_updated_at: null,
      context_summary_message_count: 0,
    });

    await chat(owner, agentId, 1, 8, sessionId);
    const session = await summarized(owner, sessionId, 11);
    expect(await jobsOf(sessionId)).toHaveLength(1);
    const lines = (session.context_summary as string).split('\n');
    // u1 a1 ... u5 a5 u6: the 11 oldest of 16 messages.
    expect(lines).toHaveLength(11);
    for (const [index, line] of lines.entries()) {
      if (index % 2 === 0) expect(line).toBe(userLine(index / 2 + 1));
      else expect(line).toMatch(OFFLINE_ANSWER);
    }
    expect(Date.parse(session.context_summary_updated_at)).toBeGreaterThan(Date.parse(session.created_at));
  });

  it('puts the summary ahead of the window, in the preview as in the turn', async () => {
    const agentId = await createAgent(owner);
    const sessionId = await chat(owner, agentId, 8);
    const session = await summarized(owner, sessionId, 11);
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'Question 9.', session_id: sessionId },
      as(owner),
    );
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const messages = preview.body.messages as { role: string; content: string; source: string }[];
    expect(messages.map((message) => message.source)).toEqual([
      'thread_summary',
      ...Array<string>(WINDOW).fill('thread'),
      'user_message',
    ]);
    expect(messages[0]).toMatchObject({
      role: 'user',
      content: `Summary of the earlier conversation (its 11 oldest messages, no longer shown):\n${session.context_summary}`,
    });
    // The window: a6 u7 a7 u8 a8.
    expect(messages[2]?.content).toBe('Question 7. Please answer it.');
    expect(preview.body.sections).toContainEqual(
      expect.objectContaining({ source: 'thread_summary', included: true }),
    );
  });

  it('adds each later batch to the summary, with one job a batch rather than one a turn', async () => {
    const agentId = await createAgent(owner);
    const sessionId = await chat(owner, agentId, 8);
    const first = await summarized(owner, sessionId, 11);
    await chat(owner, agentId, 4, 9, sessionId);
    // 24 messages, 19 out of the window, 8 of them not yet summarized: still one job.
    expect(await jobsOf(sessionId)).toHaveLength(1);
    expect((await getSession(owner, sessionId)).context_summary_message_count).toBe(11);

    await chat(owner, agentId, 1, 13, sessionId);
    const second = await summarized(owner, sessionId, 21);
    expect(await jobsOf(sessionId)).toHaveLength(2);
    const lines = (second.context_summary as string).split('\n');
    // The previous summary, then a6 u7 a7 ... a10 u11.
    expect(lines.slice(0, 11).join('\n')).toBe(first.context_summary);
    expect(lines.slice(11)).toHaveLength(10);
    expect(lines[12]).toBe(userLine(7));
    expect(lines.at(-1)).toBe(userLine(11));
    expect(Date.parse(second.context_summary_updated_at)).toBeGreaterThan(
      Date.parse(first.context_summary_updated_at),
    );
  });

  it('is idempotent: jobs running twice, even at once, store the summary once', async () => {
    const agentId = await createAgent(owner);
    // 14 messages, 9 out of the window: under a batch, so only the jobs sent here run.
    const sessionId = await chat(owner, agentId, 7);
    const [one, two] = await Promise.all([
      queue.send(QUEUE, jobData(owner, sessionId), { singletonKey: sessionId }),
      queue.send(QUEUE, jobData(owner, sessionId), { singletonKey: `${sessionId}:again` }),
    ]);
    await Promise.all([completed(one), completed(two)]);
    const session = await getSession(owner, sessionId);
    expect(session.context_summary_message_count).toBe(9);
    expect((session.context_summary as string).split('\n')).toHaveLength(9);

    await completed(await queue.send(QUEUE, jobData(owner, sessionId), { singletonKey: sessionId }));
    expect(await getSession(owner, sessionId)).toEqual(session);
  });

  it('acts only within the organization of the job, which alone sees the summary', async () => {
    const agentId = await createAgent(owner);
    const sessionId = await chat(owner, agentId, 7);
    const before = await getSession(owner, sessionId);
    await completed(
      await queue.send(QUEUE, jobData(stranger, sessionId), { singletonKey: `${sessionId}:stranger` }),
    );
    expect(await getSession(owner, sessionId)).toEqual(before);

    await chat(owner, agentId, 1, 8, sessionId);
    await summarized(owner, sessionId, 11);
    expectError(
      await app.http.get(`/api/v1/sessions/${sessionId}`, as(stranger)),
      403,
      'authorization_error',
    );
  });
});

describe("with a provider's model", () => {
  it('asks the model to summarize the fallen-out messages and sends its summary ahead of the window', async () => {
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    const sessionId = await chat(integrator, agentId, 8);
    const session = await summarized(integrator, sessionId, 11);
    expect(session.context_summary).toBe('Stub summary 1: the user asked numbered questions.');

    const [request] = summaryRequests();
    const messages = bodyOf(request).messages as { role: string; content: string }[];
    expect(messages).toHaveLength(2);
    expect(messages[0]?.role).toBe('system');
    const asked = messages[1]?.content as string;
    expect(asked).toMatch(
      /^Summary so far:\n\(none yet\)\n\nNew messages:\nuser: Question 1\. Please answer it\.\n/,
    );
    expect(asked).toContain('assistant: Echo: Question 5. Please answer it. [gpt-stub]');
    expect(asked).toMatch(/user: Question 6\. Please answer it\.$/);
    expect(asked).not.toContain('Question 7');

    await chat(integrator, agentId, 1, 9, sessionId);
    expect(sentFor('Question 9. Please answer it.').slice(1)).toEqual([
      {
        role: 'user',
        content: `Summary of the earlier conversation (its 11 oldest messages, no longer shown):\n${session.context_summary}`,
      },
      { role: 'assistant', content: 'Echo: Question 6. Please answer it. [gpt-stub]' },
      { role: 'user', content: 'Question 7. Please answer it.' },
      { role: 'assistant', content: 'Echo: Question 7. Please answer it. [gpt-stub]' },
      { role: 'user', content: 'Question 8. Please answer it.' },
      { role: 'assistant', content: 'Echo: Question 8. Please answer it. [gpt-stub]' },
      { role: 'user', content: 'Question 9. Please answer it.' },
    ]);

    await chat(integrator, agentId, 4, 10, sessionId);
    const next = await summarized(integrator, sessionId, 21);
    expect(next.context_summary).toBe('Stub summary 2: the user asked numbered questions.');
    const incremental = bodyOf(summaryRequests().at(-1)).messages[1].content as string;
    expect(incremental).toMatch(
      /^Summary so far:\nStub summary 1: the user asked numbered questions\.\n\nNew messages:\nassistant: Echo: Question 6\./,
    );
  });

  it('retries a failed summary call; the summary stays as it was until one succeeds', async () => {
    summaryFailures = 2;
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    const sessionId = await chat(integrator, agentId, 8);
    // Both calls of the first attempt failed (LLM_RETRY_MAX_ATTEMPTS=2): the job failed.
    await expect.poll(() => summaryRequests().length, { timeout: 20_000, interval: 50 }).toBe(2);
    expect(await getSession(integrator, sessionId)).toMatchObject({
      context_summary: null,
      context_summary_message_count: 0,
    });
    const session = await summarized(integrator, sessionId, 11);
    expect(session.context_summary).toBe('Stub summary 1: the user asked numbered questions.');
    expect(summaryRequests()).toHaveLength(3);
  });
});

/**
 * Until a summary covers them, messages that fell out of the window stay in the thread (the
 * backlog, at most `UNSUMMARIZED_BACKLOG` of the newest): the batching of summary jobs must not
 * leave a stretch of the conversation in neither the window nor the summary.
 */
const UNSUMMARIZED_BACKLOG = 20;

async function addMessages(account: TestAccount, sessionId: string, contents: string[]) {
  for (const [index, content] of contents.entries()) {
    const response = await app.http.post(
      `/api/v1/sessions/${sessionId}/messages`,
      { role: index % 2 === 0 ? 'user' : 'assistant', content },
      as(account),
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  }
}

async function previewThread(account: TestAccount, agentId: string, sessionId: string) {
  const preview = await app.http.post(
    `/api/v1/agents/${agentId}/preview-context`,
    { message: 'One more question.', session_id: sessionId },
    as(account),
  );
  expect(preview.status, JSON.stringify(preview.body)).toBe(200);
  return preview.body as {
    messages: { content: string; source: string }[];
    dropped: { content: string; source: string }[];
    estimated_tokens: number;
    budget_tokens: number;
  };
}

const threadOf = (messages: { content: string; source: string }[]) =>
  messages.filter((message) => message.source === 'thread').map((message) => message.content);

describe('messages out of the window that no summary covers yet', () => {
  it('stay in the model’s context until a summary covers them, then leave it', async () => {
    const agentId = await createAgent(integrator, { model: 'gpt-stub' });
    // 8 messages, the window's 5 and the 3 oldest: under a batch, so no job is asked for.
    const sessionId = await chat(integrator, agentId, 4);
    await chat(integrator, agentId, 1, 5, sessionId);
    expect(await jobsOf(sessionId)).toEqual([]);
    const echo = (number: number) => `Echo: Question ${number}. Please answer it. [gpt-stub]`;
    const question = (number: number) => `Question ${number}. Please answer it.`;
    expect(
      sentFor(question(5))
        .slice(1)
        .map((message) => message.content),
    ).toEqual([
      question(1),
      echo(1),
      question(2),
      echo(2),
      question(3),
      echo(3),
      question(4),
      echo(4),
      question(5),
    ]);

    // 10 messages, 5 out of the window (u1 a1 u2 a2 u3): summarized, they leave the thread.
    await completed(await queue.send(QUEUE, jobData(integrator, sessionId), { singletonKey: sessionId }));
    const session = await getSession(integrator, sessionId);
    expect(session.context_summary_message_count).toBe(5);
    await chat(integrator, agentId, 1, 6, sessionId);
    expect(
      sentFor(question(6))
        .slice(1)
        .map((message) => message.content),
    ).toEqual([
      `Summary of the earlier conversation (its 5 oldest messages, no longer shown):\n${session.context_summary}`,
      echo(3),
      question(4),
      echo(4),
      question(5),
      echo(5),
      question(6),
    ]);
  });

  it('are read up to a cap, the newest first, so that a summary that never comes cannot grow the context without bound', async () => {
    const agentId = await createAgent(owner);
    const sessionId = await chat(owner, agentId, 1);
    // Added messages are summarized by the job a later turn asks for: until then none covers them.
    const notes = Array.from({ length: 30 }, (_, index) => `Note ${index + 1}.`);
    await addMessages(owner, sessionId, notes);
    const preview = await previewThread(owner, agentId, sessionId);
    // 32 messages: the window's 5 and the 20 before them; Question 1, its answer and notes 1-5 are left out.
    expect(threadOf(preview.messages)).toEqual(notes.slice(-(WINDOW + UNSUMMARIZED_BACKLOG)));

    // Once a summary covers the messages out of the window, the thread is the window again.
    await completed(await queue.send(QUEUE, jobData(owner, sessionId), { singletonKey: sessionId }));
    expect((await getSession(owner, sessionId)).context_summary_message_count).toBe(32 - WINDOW);
    const summarizedPreview = await previewThread(owner, agentId, sessionId);
    expect(summarizedPreview.messages.map((message) => message.source)).toEqual([
      'thread_summary',
      ...Array<string>(WINDOW).fill('thread'),
      'user_message',
    ]);
    expect(threadOf(summarizedPreview.messages)).toEqual(notes.slice(-WINDOW));
  });

  it('stay within the context budget: over it, the oldest are dropped first, and the preview lists them', async () => {
    const agentId = await createAgent(owner, { max_context_size: 1_000 });
    const sessionId = await chat(owner, agentId, 1);
    // 10 messages of about 150 tokens each, none summarized: more than the 1,000-token budget.
    const notes = Array.from({ length: 8 }, (_, index) => `Note ${index + 1}. ${'x'.repeat(590)}`);
    await addMessages(owner, sessionId, notes);
    const preview = await previewThread(owner, agentId, sessionId);
    expect(preview.estimated_tokens).toBeLessThanOrEqual(preview.budget_tokens);
    const kept = threadOf(preview.messages);
    const dropped = threadOf(preview.dropped);
    expect(dropped.length).toBeGreaterThan(0);
    // Every message read is either sent or listed as dropped; the dropped are the oldest.
    expect([...dropped, ...kept]).toEqual([
      'Question 1. Please answer it.',
      expect.stringMatching(/^\[offline model\]/),
      ...notes,
    ]);
    expect(kept.at(-1)).toBe(notes.at(-1));
  });
});
