export interface OutageProbes {
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Requests the API did not answer within the timeout (a hang) or whose connection failed. */
  unanswered: number;
  slowestMs: number;
}

/**
 * Sends `requests` one after another, again and again, for `durationMs`, each with `timeoutMs` to
 * be answered: what an API says (and how fast) while its database is away.
 */
export async function probeDuringOutage(
  requests: ((signal: AbortSignal) => Promise<Response>)[],
  { durationMs, timeoutMs }: { durationMs: number; timeoutMs: number },
): Promise<OutageProbes> {
  const probes: OutageProbes = { statuses: new Map(), unanswered: 0, slowestMs: 0 };
  const startedAt = performance.now();
  while (performance.now() - startedAt < durationMs) {
    for (const request of requests) {
      const sentAt = performance.now();
      // The whole answer, body included, within the timeout.
      const status = await request(AbortSignal.timeout(timeoutMs))
        .then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        })
        .catch(() => undefined);
      probes.slowestMs = Math.max(probes.slowestMs, performance.now() - sentAt);
      if (status === undefined) probes.unanswered++;
      else probes.statuses.set(status, (probes.statuses.get(status) ?? 0) + 1);
    }
  }
  return probes;
}
