import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../src/platform/llm/json-schema-validator.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import {
  classifierAssignment,
  classifyMessage,
  createRun,
  expectStatus,
  waitForRun,
} from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * The sources of analysis runs: a time window of an agent's sessions (user messages as items), an
 * uploaded CSV file (one object per row) or JSON Lines file (one item per line), read when the run
 * is created; with what each refuses.
 */
let app: TestApp;
let owner: TestAccount;
let setup: Awaited<ReturnType<typeof classifierAssignment>>;

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Source owner');
  setup = await classifierAssignment(app.http, owner);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });
const itemsOf = async (runId: string) =>
  expectStatus(await app.http.get(`/api/v1/analysis/runs/${runId}/items`, as()), 200);

async function sessionWith(agentId: string, messages: { role: string; content: string }[]) {
  const session = expectStatus(await app.http.post('/api/v1/sessions', { agent_id: agentId }, as()), 201);
  const ids: string[] = [];
  for (const message of messages) {
    ids.push(
      expectStatus(await app.http.post(`/api/v1/sessions/${session.id}/messages`, message, as()), 201).id,
    );
  }
  return { sessionId: session.id as string, messageIds: ids };
}

async function upload(filename: string, content: string) {
  const response = await app.http.upload(
    '/api/v1/files',
    { filename, content },
    { purpose: 'analysis' },
    as(),
  );
  return expectStatus(response, 201).id as string;
}

describe('a time window of the agent’s sessions', () => {
  it('takes the user messages of the window, oldest first, and runs them', async () => {
    const before = new Date(Date.now() - 1_000).toISOString();
    const first = await sessionWith(setup.agentId, [
      { role: 'user', content: 'The app crashes when I open settings' },
      { role: 'assistant', content: 'Sorry to hear that.' },
      { role: 'user', content: 'Could you add an export feature?' },
    ]);
    const second = await sessionWith(setup.agentId, [{ role: 'user', content: 'How do I change my email?' }]);
    const otherAgent = expectStatus(await app.http.post('/api/v1/agents', { name: 'Other' }, as()), 201);
    const elsewhere = await sessionWith(otherAgent.id, [{ role: 'user', content: 'Not for the classifier' }]);
    const after = new Date(Date.now() + 1_000).toISOString();

    const run = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: { type: 'time_window', time_window_start: before, time_window_end: after },
    });
    expect(run.source).toEqual({ type: 'time_window', time_window_start: before, time_window_end: after });
    const items = await itemsOf(run.id);
    expect(items.map((item: { input: string }) => item.input)).toEqual([
      'The app crashes when I open settings',
      'Could you add an export feature?',
      'How do I change my email?',
    ]);
    expect(items[0].source_ref).toEqual({
      type: 'message',
      message_id: first.messageIds[0],
      session_id: first.sessionId,
      created_at: expect.any(String),
    });

    const oneSession = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: {
        type: 'time_window',
        time_window_start: before,
        time_window_end: after,
        session_id: second.sessionId,
      },
    });
    expect((await itemsOf(oneSession.id)).map((item: { input: string }) => item.input)).toEqual([
      'How do I change my email?',
    ]);
    const ofOtherAgent = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: {
        type: 'time_window',
        time_window_start: before,
        time_window_end: after,
        agent_id: otherAgent.id,
      },
    });
    expect((await itemsOf(ofOtherAgent.id))[0].source_ref.message_id).toBe(elsewhere.messageIds[0]);

    await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as());
    const done = await waitForRun(app.http, owner, run.id);
    expect(done).toMatchObject({ status: 'completed', proposals_total: 3 });
  });

  it('takes seed 003’s body as written: agent_assignment_id, a flat time window, trigger_type', async () => {
    const own = await classifierAssignment(app.http, owner, { providerId: setup.providerId });
    const before = new Date(Date.now() - 1_000).toISOString();
    await sessionWith(own.agentId, [{ role: 'user', content: 'A bug: the page is blank' }]);
    const run = await createRun(app.http, owner, {
      agent_assignment_id: own.assignmentId,
      time_window_start: before,
      time_window_end: new Date(Date.now() + 1_000).toISOString(),
      trigger_type: 'manual',
    });
    expect(run).toMatchObject({ assignment_id: own.assignmentId, trigger_type: 'manual' });
    expect(run.source.type).toBe('time_window');
    expect(run.progress.items_total).toBe(1);
  });

  it('refuses an empty window (400), an unknown session or agent (404)', async () => {
    const window = {
      type: 'time_window',
      time_window_start: '2020-01-01T00:00:00Z',
      time_window_end: '2020-01-02T00:00:00Z',
    };
    const post = (source: Record<string, unknown>) =>
      app.http.post('/api/v1/analysis/runs', { assignment_id: setup.assignmentId, source }, as());
    expectError(await post(window), 400, 'analysis_source_empty');
    const unknown = '01973e10-0000-7000-8000-00000000abcd';
    expectError(await post({ ...window, session_id: unknown }), 404, 'not_found');
    expectError(await post({ ...window, agent_id: unknown }), 404, 'not_found');
  });
});

describe('an uploaded file', () => {
  it('reads a CSV file: one object per row, keyed by the header', async () => {
    const fileId = await upload(
      'messages.csv',
      'text,channel\n"The app crashes, badly, on iOS",ios\nPlease add a dark mode feature,web\n',
    );
    const run = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: { type: 'file', file_id: fileId },
    });
    const items = await itemsOf(run.id);
    expect(items.map((item: { input: unknown }) => item.input)).toEqual([
      { text: 'The app crashes, badly, on iOS', channel: 'ios' },
      { text: 'Please add a dark mode feature', channel: 'web' },
    ]);
    expect(items[1].source_ref).toEqual({ type: 'file', file_id: fileId, row: 2 });
    await app.http.post(`/api/v1/analysis/runs/${run.id}/start`, undefined, as());
    await waitForRun(app.http, owner, run.id, ['completed']);
    for (const item of await itemsOf(run.id)) {
      expect(validateAgainstSchema(classifyMessage.response_schema, item.output)).toEqual({ valid: true });
    }
  });

  it('reads JSON Lines uploaded as .txt: one object or string per non-blank line', async () => {
    const fileId = await upload(
      'messages.txt',
      '{"text": "It crashes"}\n"How do I log out?"\n\n{"text": "Add SSO"}\n',
    );
    const run = await createRun(app.http, owner, {
      assignment_id: setup.assignmentId,
      source: { type: 'file', file_id: fileId },
    });
    const items = await itemsOf(run.id);
    expect(
      items.map((item: { input: unknown; source_ref: { line: number } }) => [
        item.input,
        item.source_ref.line,
      ]),
    ).toEqual([
      [{ text: 'It crashes' }, 1],
      ['How do I log out?', 2],
      [{ text: 'Add SSO' }, 4],
    ]);
  });

  it('refuses files it cannot read as items (400 analysis_source_invalid) and unknown files (404)', async () => {
    const post = (source: Record<string, unknown>) =>
      app.http.post('/api/v1/analysis/runs', { assignment_id: setup.assignmentId, source }, as());
    const array = await upload('array.txt', '{"text": "fine"}\n[1, 2]\n');
    const refused = await post({ type: 'file', file_id: array });
    expectError(refused, 400, 'analysis_source_invalid');
    expect(refused.body.details).toEqual({ line: 2 });
    expectError(
      await post({ type: 'file', file_id: await upload('broken.txt', '{"text": \n') }),
      400,
      'analysis_source_invalid',
    );
    const ragged = await upload('ragged.csv', 'a,b\n1,2\n3,4,5\n');
    expectError(await post({ type: 'file', file_id: ragged }), 400, 'analysis_source_invalid');
    const doubled = await upload('doubled.csv', 'a,a\n1,2\n');
    expectError(await post({ type: 'file', file_id: doubled }), 400, 'analysis_source_invalid');
    const csvAsJsonl = await upload('plain.csv', 'text\nhello\n');
    expectError(
      await post({ type: 'file', file_id: csvAsJsonl, format: 'jsonl' }),
      400,
      'analysis_source_invalid',
    );
    const markdown = await upload('notes.md', '# Notes\n\nNothing to classify.\n');
    expectError(await post({ type: 'file', file_id: markdown }), 400, 'analysis_source_invalid');
    expectError(
      await post({ type: 'file', file_id: await upload('header.csv', 'text\n') }),
      400,
      'analysis_source_empty',
    );
    expectError(
      await post({ type: 'file', file_id: '01973b10-0000-7000-8000-000000000000' }),
      404,
      'not_found',
    );
  });
});
