import { inArray, type SQL, sql } from 'drizzle-orm';
import { createFrequentLexemes } from '../src/modules/memory/frequent-lexemes.ts';
import { type MemoryPlace, recallNamespaces } from '../src/modules/memory/memory-namespaces.ts';
import {
  createMemoryRecall,
  type RecallRequest,
  recallStatement,
  sizedNamespaces,
} from '../src/modules/memory/memory-recall.ts';
import { memoryColumns } from '../src/modules/memory/memory-repository.ts';
import { type MemoryInput, storeMemories } from '../src/modules/memory/memory-store.ts';
import { memories } from '../src/modules/memory/memory-tables.ts';
import { type Database, rowsOf } from '../src/platform/db/database.ts';
import type { TenantScope } from '../src/platform/db/tenant-scope.ts';
import { type BenchDatabase, onEachBenchDatabase } from './databases.ts';
import {
  agentStatement,
  seededRandom,
  threadStatement,
  userMessage,
  userStatement,
} from './memory-corpus.ts';
import { formatMs, formatTable, formatTimes } from './table.ts';
import { type TargetOutcome, verdict } from './targets.ts';
import {
  type Client,
  registerAccount,
  TIMING_HEADER,
  type Timing,
  timeCalls,
  timeFor,
  timingRows,
  withAgentryInProcess,
} from './timing.ts';

export interface MemoryBenchOptions {
  /** Memories of the measured organization (another organization holds a tenth as many more). */
  memories: number;
  /** Measured recalls per scenario, after a tenth as many for warm-up. */
  recalls: number;
  /** Measured seconds per turn scenario, after one second of warm-up. */
  turnSeconds: number;
}

export interface MemoryRun {
  database: BenchDatabase['name'];
  description: string;
  recalls: Timing[];
  turns: Timing[];
  lines: string[];
  problems: number;
}

const K = 6;
const WEIGHTS = { alpha_recency: 0.35, alpha_semantic: 0.45, alpha_reinforcement: 0.2 };
const RECALL_P95_TARGET_MS = 15;
/** The measured organization's agents; the first holds `BIG_AGENT_SHARE` of its memories. */
const AGENTS = 20;
const BIG_AGENT_SHARE = 0.6;
/** Per agent: the share of its memories in its own namespace, and per user and per thread. */
const AGENT_NAMESPACE_SHARE = 1 / 6;
const MEMORIES_PER_USER = 15;
const MEMORIES_PER_THREAD = 5;
const THREADS_PER_USER = 2;
const BATCH = 1_000;

/** One agent's memories: its own namespace, its users' and their threads'. */
interface AgentShape {
  id: string;
  users: { id: string; threads: string[] }[];
}

/** Writes `count` memories of one agent, in batches of one statement each; returns its users and threads. */
async function fillAgent(db: Database, organizationId: string, agentId: string, count: number, seed: number) {
  const random = seededRandom(seed);
  const own = Math.round(count * AGENT_NAMESPACE_SHARE);
  const perUser = MEMORIES_PER_USER + THREADS_PER_USER * MEMORIES_PER_THREAD;
  const userCount = Math.max(1, Math.floor((count - own) / perUser));
  const shape: AgentShape = { id: agentId, users: [] };
  const inputs: MemoryInput[] = [];
  const add = (place: MemoryPlace, content: string, kind: string) =>
    inputs.push({ organizationId, agentId, place, kind, content });
  for (let index = 0; index < own; index += 1) add({ scope: 'agent' }, agentStatement(random, index), 'fact');
  for (let user = 0; user < userCount; user += 1) {
    const userId = `customer-${seed}-${user}`;
    const threads = Array.from({ length: THREADS_PER_USER }, () => crypto.randomUUID());
    shape.users.push({ id: userId, threads });
    for (let index = 0; index < MEMORIES_PER_USER; index += 1) {
      add({ scope: 'user', userId }, userStatement(random, user * MEMORIES_PER_USER + index), 'preference');
    }
    for (const sessionId of threads) {
      for (let index = 0; index < MEMORIES_PER_THREAD; index += 1) {
        add({ scope: 'thread', sessionId, userId }, threadStatement(random, user * 100 + index), 'episode');
      }
    }
  }
  for (let start = 0; start < inputs.length; start += BATCH) {
    await storeMemories(db, inputs.slice(start, start + BATCH));
  }
  return { shape, written: inputs.length };
}

async function createAgents(call: Client, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    ids.push((await call('POST', '/api/v1/agents', token, { name: `Memory ${index}` })).id);
  }
  return ids;
}

async function planUses(db: Database, statement: SQL, index: string): Promise<boolean> {
  const plan = rowsOf(await db.execute(sql`explain (analyze, format json) ${statement}`));
  return JSON.stringify(plan).includes(index);
}

/** Opens `database` (fresh), runs Agentry on it in this process, fills it and measures. */
export function benchMemory(database: BenchDatabase, options: MemoryBenchOptions): Promise<MemoryRun> {
  return withAgentryInProcess(database, {}, (call, db) => benchRunning(database, db, call, options));
}

async function benchRunning(
  database: BenchDatabase,
  db: Database,
  call: Client,
  options: MemoryBenchOptions,
): Promise<MemoryRun> {
  const lines: string[] = [];
  let problems = 0;
  const owner = await registerAccount(call, 'memory-owner');
  const stranger = await registerAccount(call, 'memory-stranger');
  const agentIds = await createAgents(call, owner.token, AGENTS);
  const [strangerAgent] = await createAgents(call, stranger.token, 1);

  const started = performance.now();
  const shapes: AgentShape[] = [];
  let written = 0;
  const bigCount = Math.round(options.memories * BIG_AGENT_SHARE);
  const smallCount = Math.round((options.memories - bigCount) / (AGENTS - 1));
  for (const [index, agentId] of agentIds.entries()) {
    const filled = await fillAgent(
      db,
      owner.scope.organizationId,
      agentId,
      index === 0 ? bigCount : smallCount,
      index + 1,
    );
    shapes.push(filled.shape);
    written += filled.written;
  }
  const foreign = await fillAgent(
    db,
    stranger.scope.organizationId,
    strangerAgent as string,
    Math.round(options.memories / 10),
    99,
  );
  const seconds = (performance.now() - started) / 1000;
  await db.execute(sql`analyze memories`);
  const total = written + foreign.written;
  lines.push(
    `fill: ${total.toLocaleString('en-US')} memories (${written.toLocaleString('en-US')} in the measured organization over ${AGENTS} agents, ` +
      `${bigCount.toLocaleString('en-US')} of them the measured agent's: ${shapes[0]?.users.length} users with ${MEMORIES_PER_USER} memories and ` +
      `${THREADS_PER_USER} threads of ${MEMORIES_PER_THREAD} each, ${Math.round(bigCount * AGENT_NAMESPACE_SHARE).toLocaleString('en-US')} in its own namespace) ` +
      `written in ${seconds.toFixed(1)} s, ${BATCH} per statement`,
  );

  const big = shapes[0] as AgentShape;
  const small = shapes[1] as AgentShape;
  const random = seededRandom(7);
  const requestFor = (shape: AgentShape, index: number): RecallRequest => {
    const user = shape.users[index % shape.users.length] as AgentShape['users'][number];
    return {
      agentId: shape.id,
      namespaces: recallNamespaces(owner.scope.organizationId, shape.id, {
        userId: user.id,
        sessionId: user.threads[index % THREADS_PER_USER],
      }),
      query: userMessage(random),
      k: K,
      weights: WEIGHTS,
    };
  };
  const bigRequests = Array.from({ length: options.recalls }, (_, index) => requestFor(big, index * 7));
  const smallRequests = Array.from({ length: options.recalls }, (_, index) => requestFor(small, index * 7));

  const recall = createMemoryRecall(db);
  const recalls: Timing[] = [];
  recalls.push(
    await timeCalls('round-trip', 'select 1 (a round trip)', options.recalls, () =>
      db.execute(sql`select 1`),
    ),
  );
  // The ceiling: the k memories a recall returns, read by id, what any recall must read at least.
  const sampleIds = (await recall(owner.scope, bigRequests[0] as RecallRequest)).memories.map(
    (found) => found.memory.id,
  );
  recalls.push(
    await timeCalls('ceiling', `${K} memories read by id (ceiling)`, options.recalls, () =>
      db.select(memoryColumns).from(memories).where(inArray(memories.id, sampleIds)),
    ),
  );
  let foreignResults = 0;
  let empty = 0;
  let colourAsked = 0;
  let colourFound = 0;
  const recallAndCheck = async (scope: TenantScope, request: RecallRequest) => {
    const found = (await recall(scope, request)).memories;
    if (found.length === 0) empty += 1;
    foreignResults += found.filter((memory) => !request.namespaces.includes(memory.memory.namespace)).length;
    if (request.query.includes('colour')) {
      colourAsked += 1;
      if (found.some((memory) => memory.memory.content.includes('favourite colour'))) colourFound += 1;
    }
  };
  recalls.push(
    await timeCalls(
      'recall-big',
      `recall, agent with ${bigCount.toLocaleString('en-US')} memories (own + user + thread), k=${K}`,
      options.recalls,
      (index) => recallAndCheck(owner.scope, bigRequests[index % bigRequests.length] as RecallRequest),
    ),
  );
  recalls.push(
    await timeCalls(
      'recall-small',
      `recall, agent with ${smallCount.toLocaleString('en-US')} memories, k=${K}`,
      options.recalls,
      (index) => recallAndCheck(owner.scope, smallRequests[index % smallRequests.length] as RecallRequest),
    ),
  );
  const check = (pass: boolean, text: string) => {
    lines.push(`${pass ? 'PASS' : '!!!'}  ${text}`);
    if (!pass) problems += 1;
  };
  check(foreignResults === 0, `every recalled memory is of the asked namespaces (${foreignResults} others)`);
  check(empty === 0, `every recall found memories (${empty} empty)`);
  const frequentLexemes = await createFrequentLexemes(db)();
  lines.push(`frequent lexemes (no candidates found by them): ${frequentLexemes.join(', ') || 'none'}`);
  const explainedRequest = {
    ...(bigRequests[0] as RecallRequest),
    query: 'Is my dog Biscuit covered by the warranty of the Porto order?',
  };
  const explained = recallStatement(db, owner.scope, explainedRequest, {
    namespaces: await sizedNamespaces(db, owner.scope, explainedRequest),
    frequentLexemes,
  }).getSQL();
  check(
    await planUses(db, explained, 'memories_search_idx'),
    'the recall of the measured agent finds words through the GIN index',
  );
  check(
    await planUses(db, explained, 'memories_agent_namespace_used_idx'),
    'the recall of the measured agent finds its most recently used memories through their index',
  );
  lines.push(
    `quality: a user asking which colour they like gets their favourite-colour memory in ${colourFound} of ${colourAsked} recalls ` +
      '(every user has one among their 15)',
  );

  const turns = await measureTurns(call, owner.token, big, options.turnSeconds);
  return { database: database.name, description: database.description, recalls, turns, lines, problems };
}

/** POST /execute of the measured agent in a session of one of its users, memory off, then on. */
async function measureTurns(
  call: Client,
  token: string,
  big: AgentShape,
  seconds: number,
): Promise<Timing[]> {
  const user = big.users[0] as AgentShape['users'][number];
  const session = await call('POST', '/api/v1/sessions', token, { agent_id: big.id, user_id: user.id });
  const random = seededRandom(11);
  const turn = () =>
    call('POST', `/api/v1/agents/${big.id}/execute`, token, {
      message: userMessage(random),
      session_id: session.id,
      user_id: user.id,
      stream: false,
    });
  const setMemory = (on: boolean) =>
    call('PATCH', `/api/v1/agents/${big.id}`, token, { use_memory_context: on });
  await setMemory(false);
  const off = await timeFor('turn-off', 'POST /execute, offline model, memory off (ceiling)', seconds, turn);
  await setMemory(true);
  const on = await timeFor('turn-on', `POST /execute, offline model, memory on (k=${K})`, seconds, turn);
  // Most agents remember nothing yet: what memory costs their turns. A question teaches nothing.
  const newcomer = await call('POST', '/api/v1/agents', token, { name: 'No memories yet' });
  const newSession = await call('POST', '/api/v1/sessions', token, {
    agent_id: newcomer.id,
    user_id: 'newcomer',
  });
  const fresh = await timeFor(
    'turn-none',
    'POST /execute, memory on, an agent without memories',
    seconds,
    () =>
      call('POST', `/api/v1/agents/${newcomer.id}/execute`, token, {
        message: 'How long does delivery take to Porto?',
        session_id: newSession.id,
        user_id: 'newcomer',
        stream: false,
      }),
  );
  return [off, on, fresh];
}

/** The target: recall p95 at most 15 ms at 100,000 memories (binding on PostgreSQL). */
export function memoryTargets(run: MemoryRun): TargetOutcome[] {
  const binding = run.database === 'PostgreSQL';
  const recall = run.recalls.find((timing) => timing.key === 'recall-big');
  const outcomes: TargetOutcome[] = [];
  if (recall) {
    outcomes.push({
      text:
        `memory recall p95 <= ${RECALL_P95_TARGET_MS} ms: ${formatMs(recall.p95Ms)} ms (p50 ${formatMs(recall.p50Ms)}, p99 ${formatMs(recall.p99Ms)})` +
        (binding ? '' : ' [target set for PostgreSQL; reference only]'),
      pass: recall.p95Ms <= RECALL_P95_TARGET_MS,
      binding,
    });
  }
  const turn = (key: string) => run.turns.find((timing) => timing.key === key);
  const [off, on, none] = [turn('turn-off'), turn('turn-on'), turn('turn-none')];
  if (off && on && none) {
    outcomes.push({
      text:
        `turn with memory on: p50 ${formatMs(on.p50Ms)} ms (${formatMs(none.p50Ms)} ms for an agent without memories) ` +
        `vs ${formatMs(off.p50Ms)} ms off (${formatTimes(on.p50Ms / off.p50Ms)}); reported, no target`,
      pass: null,
      binding: false,
    });
  }
  return outcomes;
}

export function formatMemoryRun(run: MemoryRun): string {
  const header = TIMING_HEADER;
  const recallCeiling = run.recalls.find((timing) => timing.key === 'ceiling');
  const turnCeiling = run.turns.find((timing) => timing.key === 'turn-off');
  return [
    `Memory recall on ${run.description} (one recall at a time, in the runner's process; ceiling: the ${K} memories read by id):`,
    formatTable(header, timingRows(run.recalls, recallCeiling, ['round-trip', 'ceiling'])),
    '',
    "Turns with memory (one at a time, over HTTP to Agentry in the runner's process; ceiling: the same turn with memory off):",
    formatTable(header, timingRows(run.turns, turnCeiling, ['turn-off'])),
    ...run.lines.map((text) => `  ${text}`),
  ].join('\n');
}

if (import.meta.main) {
  const options = {
    memories: Number(process.env.BENCH_MEMORIES ?? 100_000),
    recalls: Number(process.env.BENCH_MEMORY_RECALLS ?? 500),
    turnSeconds: Number(process.env.BENCH_DURATION_SECONDS ?? 5),
  };
  let problems = 0;
  await onEachBenchDatabase(async (database) => {
    const run = await benchMemory(database, options);
    problems += run.problems;
    console.log(formatMemoryRun(run));
    for (const outcome of memoryTargets(run)) console.log(`  ${verdict(outcome)}  ${outcome.text}`);
  });
  process.exitCode = problems > 0 ? 1 : 0;
}
