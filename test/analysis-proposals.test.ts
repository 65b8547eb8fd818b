import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, registerAccount, type TestAccount } from './support/accounts.ts';
import { classifierAssignment, completedRun, expectStatus, supportMessages } from './support/analysis.ts';
import { expectError } from './support/assertions.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Proposals of analysis runs (issue 11 point 5): listed with status and output-field filters,
 * approved and rejected one by one and in bulk, counted on the run, and exported as CSV and JSON
 * Lines.
 */
let app: TestApp;
let owner: TestAccount;
let run: any;
let proposals: any[];

beforeAll(async () => {
  app = await startTestApp();
  owner = await registerAccount(app.http, 'Reviewer');
  const { assignmentId } = await classifierAssignment(app.http, owner);
  run = await completedRun(app.http, owner, assignmentId, supportMessages);
  proposals = expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}/proposals`, as()), 200);
});
afterAll(() => app.close());

const as = () => ({ token: owner.token });
const proposalsPath = () => `/api/v1/analysis/runs/${run.id}/proposals`;
const idsOf = (items: { id: string }[]) => items.map((item) => item.id);
const listed = async (query: string) => {
  const response = await app.http.get(`${proposalsPath()}${query}`, as());
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return { ids: idsOf(response.body), total: response.headers.get('x-total-count'), body: response.body };
};

describe('listing', () => {
  it('lists one proposal per item, in item order, with its source, input and output', async () => {
    expect(proposals.map((proposal) => [proposal.item_index, proposal.input, proposal.status])).toEqual(
      supportMessages.map((message, index) => [index, message, 'pending']),
    );
    expect(proposals[0]).toMatchObject({
      run_id: run.id,
      source_ref: { type: 'inline', index: 0 },
      output: { category: 'bug' },
      reason: null,
      reviewed_at: null,
    });
    expect(expectStatus(await app.http.get(`/api/v1/proposals/${proposals[1].id}`, as()), 200)).toEqual(
      proposals[1],
    );
  });

  it('filters by output fields (field.<name>=value) and pages with X-Total-Count', async () => {
    expect(await listed('?field.category=bug')).toMatchObject({ ids: [proposals[0].id], total: '1' });
    const question = await listed('?field.category=question&status=pending');
    expect(question.ids).toEqual([proposals[2].id]);
    const confidence = String(proposals[2].output.confidence);
    expect((await listed(`?field.category=question&field.confidence=${confidence}`)).ids).toEqual([
      proposals[2].id,
    ]);
    expect(await listed('?field.category=weather')).toMatchObject({ ids: [], total: '0' });
    expect(await listed('?limit=2&offset=2')).toMatchObject({ ids: idsOf(proposals.slice(2)), total: '4' });
    // Unknown parameters are ignored, as everywhere; a malformed field filter is not.
    expect((await listed('?colour=red')).total).toBe('4');
    expectError(await app.http.get(`${proposalsPath()}?field.a%20b=red`, as()), 422, 'validation_error');
    expectError(await app.http.get(`${proposalsPath()}?status=maybe`, as()), 422, 'validation_error');
  });
});

describe('reviewing', () => {
  it('approves and rejects one proposal, records who and why, and counts them on the run', async () => {
    const approved = expectStatus(
      await app.http.post(`/api/v1/proposals/${proposals[0].id}/approve`, undefined, as()),
      200,
    );
    expect(approved).toMatchObject({ status: 'approved', reviewed_by_user_id: owner.userId, reason: null });
    expect(Date.parse(approved.reviewed_at)).toBeGreaterThan(0);
    const reason = 'A roadmap chat is not a ticket';
    const rejected = expectStatus(
      await app.http.post(`/api/v1/proposals/${proposals[3].id}/reject`, { reason }, as()),
      200,
    );
    expect(rejected).toMatchObject({ status: 'rejected', reason });
    const counted = expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}`, as()), 200);
    expect(counted).toMatchObject({
      proposals_total: 4,
      proposals_approved: 1,
      proposals_rejected: 1,
      proposals_pending: 2,
    });
    expect((await listed('?status=approved')).ids).toEqual([proposals[0].id]);
    expectError(
      await app.http.post(`/api/v1/proposals/${proposals[3].id}/reject`, { reason: '' }, as()),
      422,
      'validation_error',
    );
    expectError(
      await app.http.post('/api/v1/proposals/01973f20-0000-7000-8000-000000000000/approve', undefined, as()),
      404,
      'not_found',
    );
  });

  it('reviews in bulk by ids (reporting ids it does not know) or every pending one', async () => {
    const unknown = '01973f20-0000-7000-8000-0000000000ff';
    const byIds = expectStatus(
      await app.http.post(`${proposalsPath()}/approve`, { ids: [proposals[1].id, unknown] }, as()),
      200,
    );
    expect(byIds).toEqual({
      status: 'approved',
      updated: 1,
      proposal_ids: [proposals[1].id],
      not_found: [unknown],
    });
    const all = expectStatus(
      await app.http.post(`${proposalsPath()}/reject`, { all: true, reason: 'Bulk' }, as()),
      200,
    );
    expect(all).toMatchObject({
      status: 'rejected',
      updated: 1,
      proposal_ids: [proposals[2].id],
      not_found: [],
    });
    const counted = expectStatus(await app.http.get(`/api/v1/analysis/runs/${run.id}`, as()), 200);
    expect(counted).toMatchObject({ proposals_approved: 2, proposals_rejected: 2, proposals_pending: 0 });
    for (const body of [{}, { ids: [proposals[0].id], all: true }, { ids: [] }, { all: false }]) {
      expectError(await app.http.post(`${proposalsPath()}/approve`, body, as()), 422, 'validation_error');
    }
  });

  it('lets an agent_user read proposals but not review them', async () => {
    const user = await addMember(app.http, owner, 'agent_user');
    expectStatus(await app.http.get(proposalsPath(), { token: user.token }), 200);
    const single = await app.http.post(`/api/v1/proposals/${proposals[0].id}/reject`, undefined, {
      token: user.token,
    });
    expectError(single, 403, 'authorization_error');
    const bulk = await app.http.post(`${proposalsPath()}/reject`, { all: true }, { token: user.token });
    expectError(bulk, 403, 'authorization_error');
  });
});

describe('exporting', () => {
  it('streams JSON Lines, one proposal per line, with the list’s filters', async () => {
    const response = await fetch(`${app.url}${proposalsPath()}/export?format=jsonl`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toContain(`analysis-run-${run.id}.jsonl`);
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.id, line.item_index, line.input, line.output])).toEqual(
      proposals.map((proposal) => [proposal.id, proposal.item_index, proposal.input, proposal.output]),
    );
    const rejected = await fetch(
      `${app.url}${proposalsPath()}/export?status=rejected&field.category=discussion`,
      {
        headers: { authorization: `Bearer ${owner.token}` },
      },
    );
    const only = (await rejected.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(only.map((line) => line.id)).toEqual([proposals[3].id]);
  });

  it('streams CSV with a column per top-level schema property, quoted and safe for spreadsheets', async () => {
    const { assignmentId } = await classifierAssignment(app.http, owner);
    const tricky = ['Crash, "again", on\nlogin', '=HYPERLINK("http://evil")'];
    const other = await completedRun(app.http, owner, assignmentId, tricky);
    const response = await fetch(`${app.url}/api/v1/analysis/runs/${other.id}/proposals/export?format=csv`, {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const rows: string[][] = parse(await response.text());
    // The schema's properties in the order it is stored (jsonb keeps its keys in its own order).
    const properties = Object.keys(other.config_snapshot.task_definition.response_schema.properties);
    expect(properties.sort()).toEqual(['category', 'confidence', 'reasoning']);
    expect(rows[0]).toEqual([
      'proposal_id',
      'item_index',
      'proposal_status',
      'review_reason',
      'source_ref',
      'input',
      ...Object.keys(other.config_snapshot.task_definition.response_schema.properties),
    ]);
    expect(rows).toHaveLength(3);
    expect(rows[1]?.slice(1, 6)).toEqual(['0', 'pending', '', '{"type":"inline","index":0}', tricky[0]]);
    expect(rows[2]?.[5]).toBe(`'${tricky[1]}`);
    const category = rows[0]?.indexOf('category') ?? -1;
    expect(['bug', 'feature', 'question', 'discussion']).toContain(rows[1]?.[category]);
    expectError(
      await app.http.get(`/api/v1/analysis/runs/${other.id}/proposals/export?format=xml`, as()),
      422,
      'validation_error',
    );
  });
});
