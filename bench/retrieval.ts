/**
 * Knowledge retrieval (`node bench/retrieval.ts`): 100,000 chunks of one agent's files, searched
 * through `searchKnowledge` on PGlite and (with BENCH_DATABASE_URL) PostgreSQL, next to ceilings
 * measured in the same run. See bench/README.md.
 */
import { type SQL, sql } from 'drizzle-orm';
import { chunksToEmbed, storeEmbeddings } from '../src/modules/knowledge/embedding-repository.ts';
import {
  fullTextRankingStatement,
  type KnowledgeHit,
  planQuestion,
  type QueryVector,
  searchKnowledge,
  vectorRankingStatement,
} from '../src/modules/knowledge/knowledge-search.ts';
import { createVectorIndexes, prepareVectorSupport } from '../src/modules/knowledge/vector-support.ts';
import type { Principal } from '../src/modules/tenancy/index.ts';
import { type Database, rowsOf } from '../src/platform/db/database.ts';
import { openDatabase } from '../src/platform/db/open-database.ts';
import { bagOfWordsEmbedding } from '../test/stubs/openai-stub.ts';
import { createTestAgentService } from '../test/support/agent-service.ts';
import { attachContent, storeContent, textChunks } from '../test/support/knowledge-documents.ts';
import { newOrganization } from '../test/support/organizations.ts';
import { type BenchDatabase, onEachBenchDatabase } from './databases.ts';
import { percentile } from './load.ts';
import { createCorpus, type Question, seededRandom } from './retrieval-corpus.ts';
import { formatMs, formatPercent, formatRate, formatTable, formatTimes } from './table.ts';
import { type TargetOutcome, verdict } from './targets.ts';

export interface RetrievalBenchOptions {
  /** Chunks of the searched agent's files (plus 10% more of another agent and another organization). */
  chunks: number;
  /** Measured searches per scenario, after a tenth as many for warm-up. */
  searches: number;
}

type ScenarioKey = 'round-trip' | 'unfiltered' | 'full-text' | 'hybrid';

interface Scenario {
  key: ScenarioKey;
  label: string;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  perSecond: number;
}

export interface RetrievalRun {
  database: BenchDatabase['name'];
  /** The fresh database it ran on. */
  description: string;
  fill: string;
  scenarios: Scenario[];
  /** The fill, the checks (PASS or !!!, a problem) and the quality of the results. */
  lines: string[];
  problems: number;
}

const CHUNKS_PER_DOCUMENT = 1_000;
const K = 5;
/** Vectors of the hybrid scenario: small, so that the fill stays short; the index is the same kind. */
const DIMENSIONS = 32;
const MODEL = 'bench/bag-of-words';
const FULL_TEXT_P95_TARGET_MS = 20;
/** Below this many chunks a scan can be cheaper than the GIN index: its use is not checked. */
const GIN_CHECK_MIN_CHUNKS = 20_000;

/** The HNSW build holds its graph in maintenance_work_mem; at the default (64 MB) it spills and takes longer. */
const INDEX_BUILD_MEMORY = '512MB';

async function measure(
  key: ScenarioKey,
  label: string,
  searches: number,
  run: (index: number) => Promise<unknown>,
): Promise<Scenario> {
  for (let index = 0; index < Math.ceil(searches / 10); index += 1) await run(index);
  const durations = new Float64Array(searches);
  const started = performance.now();
  for (let index = 0; index < searches; index += 1) {
    const start = performance.now();
    await run(index);
    durations[index] = performance.now() - start;
  }
  const elapsed = performance.now() - started;
  durations.sort();
  return {
    key,
    label,
    p50Ms: percentile(durations, 0.5),
    p95Ms: percentile(durations, 0.95),
    p99Ms: percentile(durations, 0.99),
    perSecond: (searches / elapsed) * 1000,
  };
}

/** The searched agent's documents, another agent's, and another organization's (which the filter excludes). */
async function fill(db: Database, chunks: number) {
  const corpus = createCorpus();
  const documents = Math.max(1, Math.round(chunks / CHUNKS_PER_DOCUMENT));
  const organization = await newOrganization(db);
  const stranger = await newOrganization(db);
  const agents = createTestAgentService(db);
  const context = { principal: organization, ipAddress: null };
  const agent = await agents.create({ name: 'Searched' }, context);
  const other = await agents.create({ name: 'Other' }, context);
  const strangerAgent = await agents.create({ name: 'Stranger' }, { principal: stranger, ipAddress: null });
  const fileIds = new Set<string>();
  const contentIds: string[] = [];
  const write = async (scope: Principal, agentId: string, document: number, count: number) => {
    const texts = Array.from({ length: count }, (_, index) => corpus.chunk(document, index));
    const contentId = await storeContent(db, scope, textChunks(texts));
    contentIds[document] = contentId;
    return attachContent(db, scope, agentId, contentId, `document-${document}.txt`, document);
  };
  const started = performance.now();
  for (let document = 0; document < documents; document += 1) {
    fileIds.add(await write(organization, agent.id, document, CHUNKS_PER_DOCUMENT));
  }
  const distractors = Math.max(1, Math.round(documents / 10));
  for (let document = 0; document < distractors; document += 1) {
    await write(organization, other.id, documents + document, CHUNKS_PER_DOCUMENT);
    await write(stranger, strangerAgent.id, documents + distractors + document, CHUNKS_PER_DOCUMENT);
  }
  const seconds = (performance.now() - started) / 1000;
  const total = (documents + 2 * distractors) * CHUNKS_PER_DOCUMENT;
  await db.execute(sql`analyze`);
  return {
    corpus,
    documents,
    organization,
    agentId: agent.id,
    fileIds,
    contentIds,
    fill: `${total.toLocaleString('en-US')} chunks (${(documents * CHUNKS_PER_DOCUMENT).toLocaleString('en-US')} of the searched agent) written in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en-US')} chunks/s, 1,000 per document and transaction)`,
  };
}

/** Embeds every chunk of the organization with the bag-of-words vectors of the test stub, then indexes them. */
async function embedAll(db: Database, scope: Principal) {
  const started = performance.now();
  let afterId: string | null = null;
  for (;;) {
    const page = await chunksToEmbed(db, scope, { model: MODEL, afterId, limit: 2_000 });
    if (page.length === 0) break;
    const embeddings = page.map((chunk) => ({
      chunkId: chunk.id,
      vector: Array.from(bagOfWordsEmbedding(chunk.text, DIMENSIONS)),
    }));
    await storeEmbeddings(db, scope, MODEL, embeddings);
    afterId = (page.at(-1) as { id: string }).id;
  }
  const stored = performance.now();
  // Built once the vectors are in, as a bulk load would (with more memory for the build); the server
  // creates it before the first insert.
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`));
    await createVectorIndexes()(tx, DIMENSIONS);
  });
  await db.execute(sql`analyze knowledge_chunk_embeddings`);
  return `vectors (${DIMENSIONS} dimensions) stored in ${((stored - started) / 1000).toFixed(1)} s, HNSW index built in ${((performance.now() - stored) / 1000).toFixed(1)} s (maintenance_work_mem ${INDEX_BUILD_MEMORY})`;
}

async function planUses(db: Database, statement: SQL, index: string): Promise<boolean> {
  const plan = rowsOf(await db.execute(sql`explain (analyze, format json) ${statement}`));
  return JSON.stringify(plan).includes(index);
}

/** Fills `database` (fresh, migrated here) and measures every scenario on it. */
export async function benchRetrieval(
  database: BenchDatabase,
  options: RetrievalBenchOptions,
): Promise<RetrievalRun> {
  const opened = await openDatabase(database.target);
  try {
    await opened.migrate();
    return await benchOpened(database, opened.db, options);
  } finally {
    await opened.close();
  }
}

async function benchOpened(
  database: BenchDatabase,
  db: Database,
  options: RetrievalBenchOptions,
): Promise<RetrievalRun> {
  const support = await prepareVectorSupport(db);
  const filled = await fill(db, options.chunks);
  const { corpus, organization, agentId, fileIds, contentIds } = filled;
  const random = seededRandom(7);
  const questions = Array.from({ length: options.searches }, () =>
    corpus.question(random, filled.documents, CHUNKS_PER_DOCUMENT),
  );
  const question = (index: number) => questions[index % questions.length] as Question;
  const lines: string[] = [`fill: ${filled.fill}`];
  let problems = 0;
  const scenarios: Scenario[] = [];
  let foreign = 0;
  let empty = 0;
  /** Per scenario: searches, and those whose results hold the chunk the question was written from. */
  const found = new Map<string, { searches: number; source: number }>();
  const check = (label: string, index: number, hits: KnowledgeHit[]) => {
    const { document, index: ordinal } = question(index);
    const source = corpus.chunk(document, ordinal);
    const counts = found.get(label) ?? { searches: 0, source: 0 };
    counts.searches += 1;
    if (hits.some((hit) => hit.contentId === contentIds[document] && hit.text === source)) counts.source += 1;
    found.set(label, counts);
    if (hits.length === 0) empty += 1;
    foreign += hits.filter((hit) => !fileIds.has(hit.fileId)).length;
  };

  scenarios.push(
    await measure('round-trip', 'select 1 (a round trip)', options.searches, () => db.execute(sql`select 1`)),
  );
  const plans = await Promise.all(questions.map(({ text }) => planQuestion(db, text)));
  scenarios.push(
    await measure(
      'unfiltered',
      'the same ranking without the agent filter (ceiling)',
      options.searches,
      async (index) => {
        const plan = plans[index % plans.length];
        if (!plan) return;
        await db.execute(fullTextRankingStatement(organization, null, plan, 50));
      },
    ),
  );
  const fullTextLabel = `searchKnowledge full-text, k=${K}`;
  const fullText = await measure('full-text', fullTextLabel, options.searches, async (index) => {
    check(
      fullTextLabel,
      index,
      await searchKnowledge(db, organization, { agentId, query: question(index).text, k: K }),
    );
  });
  scenarios.push(fullText);

  const firstPlan = plans.find((plan) => plan !== null);
  const usesGin =
    firstPlan !== undefined &&
    (await planUses(
      db,
      fullTextRankingStatement(organization, agentId, firstPlan, 50),
      'knowledge_chunks_search_idx',
    ));
  if (usesGin || options.chunks >= GIN_CHECK_MIN_CHUNKS) {
    lines.push(`${usesGin ? 'PASS' : '!!!'}  the full-text ranking with the agent filter uses the GIN index`);
    if (!usesGin) problems += 1;
  } else {
    lines.push(
      `note: the full-text ranking does not use the GIN index, which the planner may rightly skip below ${GIN_CHECK_MIN_CHUNKS.toLocaleString('en-US')} chunks`,
    );
  }

  if (support.mode === 'hybrid') {
    lines.push(await embedAll(db, organization));
    const vectors = questions.map(
      ({ text }): QueryVector => ({
        model: MODEL,
        vector: Array.from(bagOfWordsEmbedding(text, DIMENSIONS)),
      }),
    );
    const hybridLabel = `searchKnowledge hybrid (${DIMENSIONS}-d vectors), k=${K}`;
    const vectorOf = (index: number) => vectors[index % vectors.length] as QueryVector;
    scenarios.push(
      await measure('hybrid', hybridLabel, options.searches, async (index) => {
        const query = { agentId, query: question(index).text, k: K, queryVector: vectorOf(index) };
        check(hybridLabel, index, await searchKnowledge(db, organization, query));
      }),
    );
    const usesHnsw = await planUses(
      db,
      vectorRankingStatement(organization, agentId, vectorOf(0), 50),
      `knowledge_chunk_embeddings_hnsw_${DIMENSIONS}`,
    );
    lines.push(`${usesHnsw ? 'PASS' : '!!!'}  the vector ranking with the agent filter uses the HNSW index`);
    if (!usesHnsw) problems += 1;
  } else {
    lines.push(`hybrid: not measured (${support.reason})`);
  }

  lines.push(
    `${foreign === 0 ? 'PASS' : '!!!'}  every result is a chunk of the agent's files (${foreign} foreign results)`,
    `${empty === 0 ? 'PASS' : '!!!'}  every search found chunks (${empty} empty results)`,
  );
  if (foreign > 0) problems += 1;
  if (empty > 0) problems += 1;
  for (const [label, counts] of found) {
    const share = ((counts.source / counts.searches) * 100).toFixed(1);
    lines.push(
      `quality: ${label}: the chunk a question was written from is in its results ${share}% of the time`,
    );
  }
  return {
    database: database.name,
    description: database.description,
    fill: filled.fill,
    scenarios,
    lines,
    problems,
  };
}

/**
 * The target, full-text p95 at most 20 ms (binding on PostgreSQL), and the hybrid search's
 * p95, reported without a target.
 */
export function retrievalTargets(run: RetrievalRun): TargetOutcome[] {
  const binding = run.database === 'PostgreSQL';
  const outcomes: TargetOutcome[] = [];
  const fullText = run.scenarios.find((scenario) => scenario.key === 'full-text');
  if (fullText) {
    outcomes.push({
      text:
        `retrieval full-text p95 <= ${FULL_TEXT_P95_TARGET_MS} ms: ${formatMs(fullText.p95Ms)} ms (p50 ${formatMs(fullText.p50Ms)})` +
        (binding ? '' : ' [target set for PostgreSQL; reference only]'),
      pass: fullText.p95Ms <= FULL_TEXT_P95_TARGET_MS,
      binding,
    });
  }
  const hybrid = run.scenarios.find((scenario) => scenario.key === 'hybrid');
  if (hybrid) {
    outcomes.push({
      text: `retrieval hybrid p95: ${formatMs(hybrid.p95Ms)} ms (p50 ${formatMs(hybrid.p50Ms)}); reported, no target`,
      pass: null,
      binding: false,
    });
  }
  return outcomes;
}

/** The scenarios next to the ranking without the agent filter (the ceiling), then the checks. */
export function formatRetrievalRun(run: RetrievalRun): string {
  const ceiling = run.scenarios.find((scenario) => scenario.key === 'unfiltered');
  const rows = run.scenarios.map((scenario) => {
    // The round trip is what any statement costs, not a ranking: no ratio to the ceiling.
    const base = scenario.key === 'round-trip' ? undefined : ceiling;
    return [
      scenario.label,
      formatRate(scenario.perSecond),
      base ? formatPercent(scenario.perSecond / base.perSecond) : '',
      formatMs(scenario.p50Ms),
      formatMs(scenario.p95Ms),
      formatMs(scenario.p99Ms),
      base ? formatTimes(scenario.p50Ms / base.p50Ms) : '',
      base ? formatTimes(scenario.p95Ms / base.p95Ms) : '',
    ];
  });
  return [
    `Knowledge retrieval on ${run.description} (one search at a time, in the runner's process; ceiling: the same full-text ranking without the agent filter):`,
    formatTable(
      ['scenario', 'per s', 'vs ceiling', 'p50 ms', 'p95 ms', 'p99 ms', 'p50 vs ceiling', 'p95 vs ceiling'],
      rows,
    ),
    ...run.lines.map((text) => `  ${text}`),
  ].join('\n');
}

if (import.meta.main) {
  const options = {
    chunks: Number(process.env.BENCH_RETRIEVAL_CHUNKS ?? 100_000),
    searches: Number(process.env.BENCH_RETRIEVAL_SEARCHES ?? 500),
  };
  let problems = 0;
  await onEachBenchDatabase(async (database) => {
    const run = await benchRetrieval(database, options);
    problems += run.problems;
    console.log(formatRetrievalRun(run));
    for (const outcome of retrievalTargets(run)) console.log(`  ${verdict(outcome)}  ${outcome.text}`);
  });
  process.exitCode = problems > 0 ? 1 : 0;
}
