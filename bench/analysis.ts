import { isDeepStrictEqual } from 'node:util';
import type { Api } from './api.ts';
import { percentile } from './load.ts';
import type { Spread } from './tasks.ts';
import { prepareTurnFixture, type StubEndpoint, type TurnFixture } from './turns.ts';

/**
 * The analysis group (docs/analysis-runs.md): an assignment of the turn group's agent, run over
 * inline items by the server's `analysis-runs` worker, one structured turn per item against the
 * stub, which answers every request for JSON with ANALYSIS_ANSWER.
 */

/** The run's `options.concurrency`: as many turns at once as the execute comparison's connections. */
export const ANALYSIS_CONCURRENCY = 16;
/** Items of a run made (and checked) before the measured one, not measured. */
export const ANALYSIS_WARMUP_ITEMS = 64;
/** What the stub answers to every structured turn (BENCH_STUB_JSON_ANSWER): valid against RESPONSE_SCHEMA. */
export const ANALYSIS_ANSWER = { category: 'question', confidence: 0.9 };
const RESPONSE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['bug', 'feature', 'question', 'discussion'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
  required: ['category', 'confidence'],
  additionalProperties: false,
};
const MESSAGES = [
  'The app crashes when I log in on iOS',
  'Please add a dark mode to the dashboard',
  'How do I reset my password?',
  'What do you all think of the new pricing?',
];
/** How often the runner reads the run while it works: a light load next to its items. */
const POLL_MS = 100;
const RUN_TIMEOUT_MS = 300_000;
const PAGE = 500;
const ENDED = new Set(['completed', 'failed', 'cancelled']);
const UNFINISHED_TURNS = ['running', 'failed', 'cancelled', 'abandoned'];

export interface AnalysisFixture {
  turns: TurnFixture;
  assignmentId: string;
}

export interface AnalysisThroughput {
  /** Items of the measured run. */
  items: number;
  /** Of those, the items that completed once, each with its own proposal and turn. */
  completed: number;
  /** The run's started_at to its completed_at (server clock, whole ms). */
  seconds: number;
  itemsPerSecond: number;
  /** The start request's queued_at to the worker's started_at. */
  queuedToStartedMs: number;
  /** Each item's `latency_ms`: its turn from start to answer, before the turn's end is stored. */
  itemLatency: Spread & { meanMs: number };
  problems: string[];
  notes: string[];
}

interface ListedItem {
  item_index: number;
  status: string;
  attempts: number;
  proposal_id: string | null;
  output: Record<string, unknown> | null;
  turn_run_id: string | null;
  latency_ms: number | null;
}

interface ListedProposal {
  id: string;
  item_index: number;
  source_ref: Record<string, unknown>;
  output: Record<string, unknown>;
  status: string;
}

/** The turn group's user, provider and agent, plus a task definition assigned to the agent. */
export async function prepareAnalysisFixture(api: Api, stub: StubEndpoint): Promise<AnalysisFixture> {
  const turns = await prepareTurnFixture(api, stub);
  const definition = await api.post(turns.token, '/api/v1/task-definitions', {
    name: 'Bench classify message',
    description: 'Created by npm run bench',
    instructions: 'Classify the message.',
    response_schema: RESPONSE_SCHEMA,
  });
  const assignment = await api.post(turns.token, `/api/v1/agents/${turns.agentId}/assignments`, {
    task_definition_id: definition.id,
  });
  return { turns, assignmentId: assignment.id as string };
}

/** The agent's analysis turns by status: each item must add exactly one completed turn. */
async function turnCounts(api: Api, fixture: TurnFixture) {
  const count = async (status: string) =>
    (
      await api.read(
        fixture.token,
        `/api/v1/runs?agent_id=${fixture.agentId}&trigger=analysis&status=${status}&limit=1`,
      )
    ).total;
  const [completed, ...unfinished] = await Promise.all(['completed', ...UNFINISHED_TURNS].map(count));
  return { completed: completed ?? Number.NaN, unfinished: unfinished.reduce((sum, n) => sum + n, 0) };
}

async function pages<T>(api: Api, token: string, path: string): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { json: page } = await api.read(token, `${path}?limit=${PAGE}&offset=${offset}`);
    all.push(...(page as T[]));
    if (page.length < PAGE) return all;
  }
}

async function waitUntilEnded(api: Api, token: string, runId: string) {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const { json: run } = await api.read(token, `/api/v1/analysis/runs/${runId}`);
    if (ENDED.has(run.status) || Date.now() > deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Items, proposals and turns of an ended run, against what `count` items must have left. */
function checkRun(
  label: string,
  count: number,
  run: Record<string, any>,
  items: ListedItem[],
  proposals: ListedProposal[],
  turnsAdded: number,
  turnsUnfinished: number,
) {
  const problems: string[] = [];
  const { progress } = run;
  const totals =
    `status ${run.status}; progress ${progress.items_done} done, ${progress.items_failed} failed, ` +
    `${progress.items_pending} pending of ${progress.items_total}; proposals_total ${run.proposals_total}`;
  if (
    run.status !== 'completed' ||
    progress.items_total !== count ||
    progress.items_done !== count ||
    run.proposals_total !== count ||
    run.proposals_pending !== count
  )
    problems.push(
      `${label}: ${totals}; expected completed with ${count} done and ${count} pending proposals${run.error ? ` (error ${JSON.stringify(run.error)})` : ''}`,
    );
  const proposalOf = new Map<number, ListedProposal[]>();
  for (const proposal of proposals)
    proposalOf.set(proposal.item_index, [...(proposalOf.get(proposal.item_index) ?? []), proposal]);
  const itemOf = new Map<number, ListedItem[]>();
  for (const item of items) itemOf.set(item.item_index, [...(itemOf.get(item.item_index) ?? []), item]);
  const turnRuns = new Set<string>();
  let good = 0;
  for (let index = 0; index < count; index++) {
    const [item, ...moreItems] = itemOf.get(index) ?? [];
    const [proposal, ...moreProposals] = proposalOf.get(index) ?? [];
    const ok =
      item !== undefined &&
      proposal !== undefined &&
      moreItems.length === 0 &&
      moreProposals.length === 0 &&
      item.status === 'completed' &&
      item.attempts === 1 &&
      item.proposal_id === proposal.id &&
      item.turn_run_id !== null &&
      !turnRuns.has(item.turn_run_id) &&
      item.latency_ms !== null &&
      isDeepStrictEqual(item.output, ANALYSIS_ANSWER) &&
      isDeepStrictEqual(proposal.output, ANALYSIS_ANSWER) &&
      proposal.status === 'pending' &&
      isDeepStrictEqual(proposal.source_ref, { type: 'inline', index });
    if (item?.turn_run_id) turnRuns.add(item.turn_run_id);
    if (ok) good++;
  }
  const note =
    `${label}: ${count} items; ${totals}; ${items.length} items and ${proposals.length} proposals listed; ` +
    `${good} items listed once, completed after one turn of their own, with one pending proposal of the answer; ` +
    `${turnsAdded} more completed analysis turns, ${turnsUnfinished} not completed`;
  if (good !== count || items.length !== count || proposals.length !== count)
    problems.push(`${note}: expected ${count} of each, every item once, with its own turn and proposal`);
  if (turnsAdded !== count || turnsUnfinished !== 0)
    problems.push(`${note}: expected exactly ${count} more completed analysis turns and none unfinished`);
  return { good, problems, note };
}

/** One run over `count` inline items: created, started, waited for, then read back and checked. */
async function analyze(api: Api, fixture: AnalysisFixture, label: string, count: number) {
  const { token } = fixture.turns;
  const turnsBefore = await turnCounts(api, fixture.turns);
  const created = await api.post(token, '/api/v1/analysis/runs', {
    assignment_id: fixture.assignmentId,
    source: {
      type: 'inline',
      items: Array.from({ length: count }, (_, index) => `${MESSAGES[index % MESSAGES.length]} (#${index})`),
    },
    options: { concurrency: ANALYSIS_CONCURRENCY, batch_size: 1 },
  });
  const runId = created.id as string;
  const started = await api.post(token, `/api/v1/analysis/runs/${runId}/start`, {});
  const problems: string[] = [];
  if (created.status !== 'pending' || started.status !== 'queued')
    problems.push(
      `${label}: created ${created.status} and started ${started.status}, expected pending and queued`,
    );
  const run = await waitUntilEnded(api, token, runId);
  if (!ENDED.has(run.status))
    problems.push(`${label}: the run is still ${run.status} after ${RUN_TIMEOUT_MS / 1000} s`);
  const items = await pages<ListedItem>(api, token, `/api/v1/analysis/runs/${runId}/items`);
  const proposals = await pages<ListedProposal>(api, token, `/api/v1/analysis/runs/${runId}/proposals`);
  const turnsAfter = await turnCounts(api, fixture.turns);
  const checked = checkRun(
    label,
    count,
    run,
    items,
    proposals,
    turnsAfter.completed - turnsBefore.completed,
    turnsAfter.unfinished,
  );
  return { run, items, good: checked.good, problems: [...problems, ...checked.problems], note: checked.note };
}

/**
 * ANALYSIS_WARMUP_ITEMS items for warm-up, then a run of `count` items at ANALYSIS_CONCURRENCY
 * turns at once and batch_size 1; items/s over the run's started_at to completed_at. Every item
 * must complete once, after one turn of its own, with one proposal of the stub's answer.
 */
export async function measureAnalysis(
  api: Api,
  fixture: AnalysisFixture,
  count: number,
): Promise<AnalysisThroughput> {
  const warmup = await analyze(api, fixture, 'analysis, warm-up', ANALYSIS_WARMUP_ITEMS);
  const measured = await analyze(api, fixture, 'analysis, measured run', count);
  const { run, items } = measured;
  const at = (field: string) => Date.parse(run[field] ?? '');
  const seconds = (at('completed_at') - at('started_at')) / 1000;
  const latencies = items.flatMap((item) => (item.latency_ms === null ? [] : [item.latency_ms]));
  const sorted = Float64Array.from(latencies).sort();
  return {
    items: count,
    completed: measured.good,
    seconds,
    itemsPerSecond: measured.good / seconds,
    queuedToStartedMs: at('started_at') - at('queued_at'),
    itemLatency: {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      meanMs: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length,
    },
    problems: [...warmup.problems, ...measured.problems],
    notes: [warmup.note, measured.note],
  };
}
