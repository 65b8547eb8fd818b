import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { processMetricsText } from './metrics-process.ts';

/** Label values of one series, in the order of the instrument's label names. */
type LabelValues = readonly string[];

/**
 * An instrument whose series are looked up by their label values and kept: the hot paths (every
 * request, turn and model call) pay a map lookup, not prom-client's label hashing.
 */
function seriesOf<Series>(instrument: { labels(...values: string[]): Series }) {
  const series = new Map<string, Series>();
  return (values: LabelValues) => {
    const key = values.join('\u0000');
    let found = series.get(key);
    if (!found) {
      found = instrument.labels(...values);
      series.set(key, found);
    }
    return found;
  };
}

const secondsBuckets = {
  http: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  turn: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  tool: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  job: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
};

/** One queue as its gauges show it. `oldestAgeSeconds`: how long its oldest ready job has waited (0: none waits). */
export interface QueueBacklog {
  queue: string;
  /** Waiting and due: what workers take next. */
  ready: number;
  /** Waiting for a later start (a retry's backoff, a scheduled start). */
  deferred: number;
  active: number;
  oldestAgeSeconds: number;
}

/** How many circuit breakers of one kind of service this process holds in one state. */
export interface BreakerCount {
  serviceType: string;
  state: 'closed' | 'open' | 'half_open';
  count: number;
}

/** A connection pool's occupancy (node-postgres: totalCount, idleCount, waitingCount). */
export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/** Where the scrape-time gauges read from; each is set once while Agentry is assembled. */
export interface MetricsSources {
  queues?: () => Promise<readonly QueueBacklog[]>;
  breakers?: () => readonly BreakerCount[];
  databasePool?: () => PoolStats;
}

export type ModelCallOutcome = 'success' | 'error' | 'cancelled';

/** What a model call reports when it ends. */
export interface ModelCallObservation {
  providerType: string;
  model: string;
  outcome: ModelCallOutcome;
  /** The error's code (as the API reports it) when the outcome is `error`. */
  errorCode: string | null;
  seconds: number;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when the model has no known price. */
  costUsd: number | null;
}

/**
 * Agentry's Prometheus instruments, one set per assembled Agentry (docs/metrics.md): never
 * prom-client's global registry, so that several instances in one process (tests) stay apart.
 * Recording is synchronous and does no I/O; the gauges read their sources when scraped.
 */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const sources: MetricsSources = {};

  const httpDuration = new Histogram({
    name: 'agentry_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status code, and how long they took (_count: requests)',
    labelNames: ['method', 'route', 'status_code'],
    buckets: secondsBuckets.http,
    registers,
  });
  const turnDuration = new Histogram({
    name: 'agentry_turn_duration_seconds',
    help: 'Turns by trigger and outcome (completed, failed, cancelled), and how long they took (_count: turns)',
    labelNames: ['trigger', 'outcome'],
    buckets: secondsBuckets.turn,
    registers,
  });
  const modelCallDuration = new Histogram({
    name: 'agentry_model_call_duration_seconds',
    help: 'Model calls by provider type, model and outcome (success, error, cancelled), retries included (_count: calls)',
    labelNames: ['provider_type', 'model', 'outcome'],
    buckets: secondsBuckets.turn,
    registers,
  });
  const modelCallErrors = new Counter({
    name: 'agentry_model_call_errors_total',
    help: 'Failed model calls by provider type, model and error code (as the API reports it)',
    labelNames: ['provider_type', 'model', 'code'],
    registers,
  });
  const modelTokens = new Counter({
    name: 'agentry_model_tokens_total',
    help: 'Tokens of model calls by provider type, model and direction (input, output)',
    labelNames: ['provider_type', 'model', 'direction'],
    registers,
  });
  const modelCost = new Counter({
    name: 'agentry_model_cost_usd_total',
    help: 'Estimated cost of model calls in USD by provider type and model (models without a known price add nothing)',
    labelNames: ['provider_type', 'model'],
    registers,
  });
  const toolCallDuration = new Histogram({
    name: 'agentry_tool_call_duration_seconds',
    help: 'Tool calls of turns by tool origin (builtin, http, mcp) and outcome (success, error) (_count: calls)',
    labelNames: ['origin', 'outcome'],
    buckets: secondsBuckets.tool,
    registers,
  });
  const jobDuration = new Histogram({
    name: 'agentry_job_duration_seconds',
    help: 'Queue jobs handled by this process, by queue and outcome (completed, failed) (_count: throughput)',
    labelNames: ['queue', 'outcome'],
    buckets: secondsBuckets.job,
    registers,
  });

  new Gauge({
    name: 'agentry_queue_jobs',
    help: 'Jobs of each queue by state (ready: due and waiting, deferred: waiting for a later start, active), as pg-boss last counted them; database-wide',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const backlog of (await queueSnapshot()) ?? []) {
        this.set({ queue: backlog.queue, state: 'ready' }, backlog.ready);
        this.set({ queue: backlog.queue, state: 'deferred' }, backlog.deferred);
        this.set({ queue: backlog.queue, state: 'active' }, backlog.active);
      }
    },
  });
  new Gauge({
    name: 'agentry_queue_oldest_job_age_seconds',
    help: 'How long the oldest ready job of each queue has waited to be taken (0: none waits); database-wide',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const backlog of (await queueSnapshot()) ?? []) {
        this.set({ queue: backlog.queue }, backlog.oldestAgeSeconds);
      }
    },
  });
  new Gauge({
    name: 'agentry_circuit_breakers',
    help: 'Circuit breakers this process holds, by service type and state (closed, open, half_open)',
    labelNames: ['service_type', 'state'],
    registers,
    collect() {
      this.reset();
      for (const { serviceType, state, count } of sources.breakers?.() ?? []) {
        this.set({ service_type: serviceType, state }, count);
      }
    },
  });
  new Gauge({
    name: 'agentry_db_pool_connections',
    help: 'The PostgreSQL connection pool of this process: max (its bound), total (open), idle',
    labelNames: ['state'],
    registers,
    collect() {
      const stats = sources.databasePool?.();
      if (!stats) return;
      this.set({ state: 'max' }, stats.max);
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
    },
  });
  new Gauge({
    name: 'agentry_db_pool_waiting_queries',
    help: 'Queries of this process waiting for a free PostgreSQL connection',
    registers,
    collect() {
      const stats = sources.databasePool?.();
      if (stats) this.set(stats.waiting);
    },
  });

  /**
   * One read of the queues per scrape, shared by both queue gauges. A read that fails leaves the
   * gauges empty rather than failing the scrape: the other metrics still matter most then.
   */
  let pendingSnapshot: Promise<readonly QueueBacklog[] | null> | null = null;
  function queueSnapshot() {
    if (!sources.queues) return Promise.resolve(null);
    pendingSnapshot ??= sources.queues().then(
      (backlogs) => backlogs,
      () => null,
    );
    return pendingSnapshot;
  }

  const httpSeries = seriesOf(httpDuration);
  const turnSeries = seriesOf(turnDuration);
  const modelCallSeries = seriesOf(modelCallDuration);
  const modelErrorSeries = seriesOf(modelCallErrors);
  const tokenSeries = seriesOf(modelTokens);
  const costSeries = seriesOf(modelCost);
  const toolSeries = seriesOf(toolCallDuration);
  const jobSeries = seriesOf(jobDuration);

  return {
    /** Sets where the gauges read from (the job queue, the breakers, the database pool). */
    readFrom(more: MetricsSources) {
      Object.assign(sources, more);
    },
    httpRequest(method: string, route: string, statusCode: number, seconds: number) {
      httpSeries([method, route, String(statusCode)]).observe(seconds);
    },
    turnEnded(trigger: string, outcome: string, seconds: number) {
      turnSeries([trigger, outcome]).observe(seconds);
    },
    modelCall(call: ModelCallObservation) {
      const { providerType, model } = call;
      modelCallSeries([providerType, model, call.outcome]).observe(call.seconds);
      if (call.errorCode) modelErrorSeries([providerType, model, call.errorCode]).inc();
      if (call.inputTokens > 0) tokenSeries([providerType, model, 'input']).inc(call.inputTokens);
      if (call.outputTokens > 0) tokenSeries([providerType, model, 'output']).inc(call.outputTokens);
      if (call.costUsd) costSeries([providerType, model]).inc(call.costUsd);
    },
    toolCall(origin: string, success: boolean, seconds: number) {
      toolSeries([origin, success ? 'success' : 'error']).observe(seconds);
    },
    jobEnded(queue: string, outcome: 'completed' | 'failed', seconds: number) {
      jobSeries([queue, outcome]).observe(seconds);
    },
    contentType: registry.contentType,
    /** The text exposition: this instance's metrics, then the process's (CPU, memory, event-loop lag). */
    async scrape(): Promise<string> {
      try {
        const own = await registry.metrics();
        return `${own}\n${await processMetricsText()}`;
      } finally {
        pendingSnapshot = null;
      }
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
