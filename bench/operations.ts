/**
 * Operations (`node bench/operations.ts`, or `BENCH_ONLY=operations npm run bench`): what budgets
 * cost a turn (the same turn in an organization without budgets, the ceiling, and in one whose
 * organization and agent both have one), and what a Prometheus scrape of `/metrics` costs next to
 * `GET /health`, over HTTP to Agentry in this process, on PGlite and (with BENCH_DATABASE_URL)
 * PostgreSQL. See bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { type BenchDatabase, onEachBenchDatabase } from './databases.ts';
import { formatSignedMs, formatTable } from './table.ts';
import {
  type Client,
  registerAccount,
  TIMING_HEADER,
  type Timing,
  timeFor,
  timingRows,
  withAgentryInProcess,
} from './timing.ts';

export interface OperationsRun {
  database: BenchDatabase['name'];
  description: string;
  turns: Timing[];
  scrapes: Timing[];
  lines: string[];
}

/** An agent of a new organization that answers with the offline model; `budgets` caps it far above what the bench spends. */
async function agentOf(call: Client, name: string, budgets: boolean) {
  const owner = await registerAccount(call, name);
  const agent = await call('POST', '/api/v1/agents', owner.token, {
    name,
    show_suggestions_after_each_message: false,
  });
  if (budgets) {
    await call('POST', '/api/v1/budgets', owner.token, { token_limit: 1e12, period: 'month' });
    await call('POST', '/api/v1/budgets', owner.token, {
      agent_id: agent.id,
      cost_limit_usd: 1e6,
      period: 'day',
    });
  }
  return () =>
    call('POST', `/api/v1/agents/${agent.id}/execute`, owner.token, {
      message: 'Hello there',
      stream: false,
    });
}

/** A GET whose body is read whole; anything but a 200 throws. */
function getter(url: string, headers: Record<string, string> = {}) {
  return async () => {
    const response = await fetch(url, { headers });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 200)}`);
  };
}

export async function benchOperations(database: BenchDatabase, seconds: number): Promise<OperationsRun> {
  const metricsToken = randomBytes(24).toString('hex');
  return withAgentryInProcess(database, { METRICS_TOKEN: metricsToken }, async (call, _db, baseUrl) => {
    const plainTurn = await agentOf(call, 'operations-plain', false);
    const budgetedTurn = await agentOf(call, 'operations-budgeted', true);
    const plain = await timeFor('plain', 'POST /execute, no budget (ceiling)', seconds, plainTurn);
    const budgeted = await timeFor(
      'budgeted',
      'POST /execute, an organization and an agent budget',
      seconds,
      budgetedTurn,
    );
    const health = await timeFor('health', 'GET /health (ceiling)', seconds, getter(`${baseUrl}/health`));
    const scrape = await timeFor(
      'scrape',
      'GET /metrics (a Prometheus scrape)',
      seconds,
      getter(`${baseUrl}/metrics`, { authorization: `Bearer ${metricsToken}` }),
    );
    return {
      database: database.name,
      description: database.description,
      turns: [plain, budgeted],
      scrapes: [health, scrape],
      lines: [
        `budgets add ${formatSignedMs(budgeted.p50Ms - plain.p50Ms)} ms to a turn's p50 ` +
          `and ${formatSignedMs(budgeted.p99Ms - plain.p99Ms)} ms to its p99 (a read of the period's counters before the model call; their update rides in the turn-end statement)`,
      ],
    };
  });
}

export function formatOperationsRun(run: OperationsRun): string {
  const [plain] = run.turns;
  const [health] = run.scrapes;
  return [
    `Operations on ${run.description} (one at a time, over HTTP to Agentry in the runner's process; the offline model answers):`,
    formatTable(TIMING_HEADER, [
      ...timingRows(run.turns, plain, ['plain']),
      ...timingRows(run.scrapes, health, ['health']),
    ]),
    ...run.lines.map((text) => `  ${text}`),
  ].join('\n');
}

if (import.meta.main) {
  const seconds = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
  await onEachBenchDatabase(async (database) => {
    console.log(formatOperationsRun(await benchOperations(database, seconds)));
  });
}
