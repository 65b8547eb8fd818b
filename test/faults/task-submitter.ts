import { setTimeout as sleep } from 'node:timers/promises';

/** What the clients saw: answers by status (200: the task of a key used before), and requests that got none. */
export interface SubmissionCounts {
  statuses: Map<number, number>;
  /** Requests that got no answer within the timeout or lost their connection. */
  unanswered: number;
  /** Answers that are neither a task (200, 201) nor 503: a client would not know what to do. */
  unexpected: string[];
}

export interface TaskSubmitter {
  counts: SubmissionCounts;
  /**
   * Creates the task, sending the same request (with its idempotency key) again after a 503 or a
   * lost answer, as a careful client does, until a task comes back; returns its id.
   */
  submit(agentId: string, body: Record<string, unknown> & { idempotency_key: string }): Promise<string>;
}

const RETRY_PAUSE_MS = 200;

/**
 * A client of `POST /agents/{id}/tasks` that keeps trying through faults: every request has a
 * timeout (an API that hangs is counted, not waited for), and the idempotency key makes a retry of
 * a request whose answer was lost find the task it created instead of making another.
 */
export function createTaskSubmitter(
  baseUrl: string,
  token: string,
  options: { timeoutMs: number; giveUpAfterMs: number },
): TaskSubmitter {
  const counts: SubmissionCounts = { statuses: new Map(), unanswered: 0, unexpected: [] };
  return {
    counts,
    async submit(agentId, body) {
      const deadline = performance.now() + options.giveUpAfterMs;
      for (;;) {
        try {
          const response = await fetch(`${baseUrl}/api/v1/agents/${agentId}/tasks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          const answer = (await response.json()) as { id?: string };
          counts.statuses.set(response.status, (counts.statuses.get(response.status) ?? 0) + 1);
          if ((response.status === 200 || response.status === 201) && answer.id) return answer.id;
          if (response.status !== 503) {
            counts.unexpected.push(`${body.idempotency_key}: ${response.status} ${JSON.stringify(answer)}`);
            // A refusal of the request itself: sending it again cannot help.
            if (response.status < 500) throw new Error(counts.unexpected.at(-1));
          }
        } catch (error) {
          if (!(error instanceof TypeError || (error as Error).name === 'TimeoutError')) throw error;
          counts.unanswered++;
        }
        if (performance.now() > deadline) throw new Error(`task ${body.idempotency_key} was never created`);
        await sleep(RETRY_PAUSE_MS);
      }
    },
  };
}
