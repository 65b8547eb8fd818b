import autocannon from 'autocannon';
import type { Check } from './scenarios.ts';

export interface LoadSpec {
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
  /** The request a connection repeats, built once per connection (index 0..connections-1). */
  requestFor(connection: number): autocannon.Request;
}

export interface Measurement {
  connections: number;
  /** Successful (2xx) responses per second. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Non-2xx responses and connection errors (timeouts among them). */
  failed: number;
  errors: number;
  statusCodes: Record<string, number>;
}

/**
 * Runs autocannon in this process. Latencies are recorded per 2xx response with sub-millisecond
 * precision: autocannon's own histogram keeps whole milliseconds, too coarse for a 2 ms target.
 */
export function runLoad(spec: LoadSpec): Promise<Measurement> {
  const latencies: number[] = [];
  let nextConnection = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.baseUrl,
        connections: spec.connections,
        duration: spec.durationSeconds,
        headers: spec.headers,
        setupClient: (client) => client.setRequests([spec.requestFor(nextConnection++)]),
      },
      (error, result) => (error ? reject(error) : resolve(measurementOf(result, latencies))),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

function measurementOf(result: autocannon.Result, latencies: number[]): Measurement {
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stats.count ?? 0;
  return {
    connections: result.connections,
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    ok: result['2xx'],
    errors: result.errors,
    failed: result.non2xx + result.errors, // errors include timeouts
    statusCodes,
  };
}

/** Nearest-rank percentile of sorted values; NaN when there are none. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** What a load run counted, autocannon's or the turn generator's. */
export interface LoadCounts {
  ok: number;
  failed: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** The first failures, when the generator keeps them. */
  failureSamples?: string[];
}

/** A scenario's run: its warm-up, its measured run, and what was wrong with either or with its data. */
export interface JudgedRun<M extends LoadCounts> {
  measurement: M;
  /** Failures of the warm-up run, which is otherwise not reported. */
  warmupFailed: number;
  problems: string[];
  notes: string[];
}

/**
 * Runs a scenario for `warmupSeconds`, then `durationSeconds` measured, and judges it: failures in
 * either run, no success at all, and its check of the written data (after `settle`, so that the
 * server has committed its work).
 */
export async function measureScenario<M extends LoadCounts>(scenario: {
  label: string;
  unit: 'requests' | 'turns';
  check: Check | undefined;
  run(durationSeconds: number): Promise<M>;
  warmupSeconds: number;
  durationSeconds: number;
  settle(): Promise<void>;
}): Promise<JudgedRun<M>> {
  const { label, unit, check } = scenario;
  const warmup = await scenario.run(scenario.warmupSeconds);
  const measurement = await scenario.run(scenario.durationSeconds);
  const problems: string[] = [];
  const notes: string[] = [];
  for (const [phase, run] of [
    ['warm-up', warmup],
    ['measured run', measurement],
  ] as const) {
    if (run.failed > 0) {
      const samples = run.failureSamples ? `; first: ${run.failureSamples.join(' | ')}` : '';
      problems.push(
        `${label} (${phase}): ${run.failed} of ${run.ok + run.failed} ${unit} FAILED ` +
          `(status codes ${JSON.stringify(run.statusCodes)}, ${run.errors} connection errors/timeouts${samples})`,
      );
    }
  }
  if (measurement.ok === 0)
    problems.push(`${label}: no successful ${unit === 'turns' ? 'turn' : 'response'} at all`);
  if (check) {
    await scenario.settle();
    const outcome = await check(warmup.ok + measurement.ok);
    notes.push(outcome.note);
    if (outcome.problem) problems.push(outcome.problem);
  }
  return { measurement, warmupFailed: warmup.failed, problems, notes };
}
