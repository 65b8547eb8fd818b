import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentryModule } from '../src/app.ts';
import {
  contextOrder,
  defineTool,
  type EndedTurn,
  type PlannedTurn,
} from '../src/modules/execution/index.ts';
import { AppError } from '../src/platform/http/errors.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * A module that exists only in this test and adds to every turn without a line of the turn engine
 * knowing it: a context source, an organization-scoped tool provider, a hook before the model call
 * and one after the turn, inside its end transaction. Knowledge, memory, tools and budgets plug in
 * the same way.
 */
const planned: PlannedTurn[] = [];
let allowedOrganization = '';

const probeModule: AgentryModule = async (_app, { db, turnRegistry: turns }) => {
  await db.execute(
    sql`create table probe_turns (run_id uuid primary key, status text not null, answer text)`,
  );
  await db.execute(sql`create table probe_selected (run_id uuid primary key, thread text not null)`);
  turns.addContextSource({
    name: 'probe_notes',
    order: contextOrder.knowledge,
    collect: ({ agent }) =>
      agent.tags.includes('probed')
        ? [
            {
              source: 'probe_notes',
              placement: 'instructions',
              role: 'user',
              content: 'The vault code is 4711.',
            },
          ]
        : [],
  });
  turns.addToolProvider({
    name: 'probe',
    // Organization-scoped: only one organization has this tool.
    toolsFor: async (principal) =>
      principal.organizationId === allowedOrganization
        ? [
            defineTool({
              name: 'probe_lookup',
              description: 'Looks a word up in the probe directory.',
              input: z.object({ word: z.string().max(500) }),
              execute: async ({ word }, context) => ({
                found: word.length,
                organization_id: context.principal.organizationId,
                run_id: context.runId,
              }),
            }),
          ]
        : [],
  });
  turns.addHook({
    name: 'probe_budget',
    beforeModelCall(turn) {
      planned.push(turn);
      if (turn.message.includes('over budget')) {
        throw new AppError('budget_exceeded', 'The probe budget is spent', {
          status: 429,
          retryAfterSeconds: 60,
        });
      }
    },
  });
  turns.addHook({
    name: 'probe_selective',
    // Decides without I/O: the turns it does not apply to never see it.
    appliesTo: (turn) => turn.message.includes('count me'),
    async afterTurn(turn: EndedTurn, tx) {
      await tx.execute(
        sql`insert into probe_selected (run_id, thread) values (${turn.runId}, ${JSON.stringify(turn.thread)})`,
      );
    },
  });
  turns.addHook({
    name: 'probe_log',
    async afterTurn(turn: EndedTurn, tx) {
      await tx.execute(
        sql`insert into probe_turns (run_id, status, answer) values (${turn.runId}, ${turn.status}, ${turn.answer})`,
      );
      if (turn.status === 'completed' && turn.message.includes('poison'))
        throw new Error('the probe log refused it');
    },
  });
};

let app: TestApp;
let owner: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  app = await startTestApp({}, 'all', [probeModule]);
  owner = await registerAccount(app.http, 'Probe owner');
  other = await registerAccount(app.http, 'Probe stranger');
  allowedOrganization = owner.organizationId;
});
afterAll(() => app.close());

const as = (account: TestAccount) => ({ token: account.token });
const probeRows = async () =>
  (await app.database.db.execute(sql`select run_id, status, answer from probe_turns`)) as unknown as {
    rows: { run_id: string; status: string; answer: string | null }[];
  };
const probeRow = async (runId: string) => (await probeRows()).rows.find((row) => row.run_id === runId);

async function agentOf(account: TestAccount, body: Record<string, unknown> = {}) {
  const response = await app.http.post(
    '/api/v1/agents',
    { name: 'Probed', tags: ['probed'], ...body },
    as(account),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

describe('a module that contributes to the turn through the registry', () => {
  it('adds its context source where its order says, and the model reads it', async () => {
    const agentId = await agentOf(owner, { initial_context: 'Background first.' });
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'What is the vault code?' },
      as(owner),
    );
    expect(preview.body.sections.map((section: { source: string }) => section.source)).toEqual([
      'system_prompt',
      'initial_context',
      'probe_notes',
      'user_message',
    ]);
    const answer = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'What is the vault code?' },
      as(owner),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.content).toContain('The vault code is 4711.');
  });

  it('offers its tools to its own organization only, with the schema written once as zod', async () => {
    const agentId = await agentOf(owner, { tools: ['probe_lookup'] });
    const preview = await app.http.post(
      `/api/v1/agents/${agentId}/preview-context`,
      { message: 'hi' },
      as(owner),
    );
    expect(preview.body.tools).toEqual(['probe_lookup']);
    const used = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Please use probe_lookup for this.' },
      as(owner),
    );
    expect(used.status, JSON.stringify(used.body)).toBe(200);
    expect(used.body.tool_calls).toEqual([
      expect.objectContaining({
        name: 'probe_lookup',
        success: true,
        output: {
          found: expect.any(Number),
          organization_id: owner.organizationId,
          run_id: used.body.run_id,
        },
      }),
    ]);

    // The other organization is not offered the tool, so its agents cannot name it.
    const refused = await app.http.post(
      '/api/v1/agents',
      { name: 'Probed', tags: ['probed'], tools: ['probe_lookup'] },
      as(other),
    );
    expectError(refused, 422, 'validation_error');
    expect(refused.body.validation_errors[0]).toMatchObject({ field: 'tools', value: ['probe_lookup'] });
  });

  it('lets a before-model-call hook refuse a turn with its typed error, and then stores nothing', async () => {
    const agentId = await agentOf(owner);
    const runsBefore = (await app.http.get(`/api/v1/runs?agent_id=${agentId}`, as(owner))).headers.get(
      'x-total-count',
    );
    const sessionsBefore = (
      await app.http.get(`/api/v1/sessions?agent_id=${agentId}`, as(owner))
    ).headers.get('x-total-count');
    const refused = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'I am over budget' },
      as(owner),
    );
    expectError(refused, 429, 'budget_exceeded');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(planned.at(-1)).toMatchObject({
      trigger: 'chat',
      agent: { id: agentId },
      message: 'I am over budget',
      tools: [],
      model: { modelId: 'agentry-offline' },
      context: { instructions: expect.stringContaining('The vault code is 4711.') },
    });
    expect(
      (await app.http.get(`/api/v1/runs?agent_id=${agentId}`, as(owner))).headers.get('x-total-count'),
    ).toBe(runsBefore);
    expect(
      (await app.http.get(`/api/v1/sessions?agent_id=${agentId}`, as(owner))).headers.get('x-total-count'),
    ).toBe(sessionsBefore);
  });

  it('runs the after-turn hook inside the transaction that stores the turn’s end, for every ending', async () => {
    const agentId = await agentOf(owner);
    const completed = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'Hello there' },
      as(owner),
    );
    expect(completed.status).toBe(200);
    expect(await probeRow(completed.body.run_id)).toEqual({
      run_id: completed.body.run_id,
      status: 'completed',
      answer: completed.body.content,
    });

    // The hook refuses the completed end: nothing of it is stored (no messages, no completed run,
    // no log row), and the turn then ends failed, which the hook does log.
    const poisoned = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'poison pill' },
      as(owner),
    );
    expectError(poisoned, 500, 'internal_error');
    const runs = (await app.http.get(`/api/v1/runs?agent_id=${agentId}&status=failed`, as(owner))).body as {
      id: string;
      session_id: string;
      error: { code: string };
    }[];
    expect(runs).toHaveLength(1);
    const failed = runs[0] as (typeof runs)[number];
    expect(failed.error.code).toBe('internal_error');
    expect(await probeRow(failed.id)).toEqual({ run_id: failed.id, status: 'failed', answer: null });
    const session = await app.http.get(`/api/v1/sessions/${failed.session_id}`, as(owner));
    expect(session.body.message_count).toBe(0);
  });

  it('calls an after-turn hook only for the turns it applies to, with the session’s counts', async () => {
    const agentId = await agentOf(owner, { initial_ai_msg: 'Welcome!' });
    const first = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'count me in' },
      as(owner),
    );
    const second = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'not this one', session_id: first.body.session_id },
      as(owner),
    );
    const third = await app.http.post(
      `/api/v1/agents/${agentId}/execute`,
      { message: 'count me again', session_id: first.body.session_id },
      as(owner),
    );
    const selected = (await app.database.db.execute(
      sql`select run_id, thread from probe_selected order by thread`,
    )) as unknown as { rows: { run_id: string; thread: string }[] };
    expect(selected.rows.map((row) => [row.run_id, JSON.parse(row.thread)])).toEqual([
      // The greeting, then two messages a turn; no summary yet.
      [first.body.run_id, { messageCount: 3, summarizedCount: 0 }],
      [third.body.run_id, { messageCount: 7, summarizedCount: 0 }],
    ]);
    expect(second.status).toBe(200);
    expect(
      (await app.http.get(`/api/v1/sessions/${first.body.session_id}`, as(owner))).body.message_count,
    ).toBe(7);
  });
});
