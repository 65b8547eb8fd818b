import { setTimeout as sleep } from 'node:timers/promises';
import { slackSignatureHeaders } from '../../src/modules/channels/slack-signature.ts';

export interface SlackDeliveryCounts {
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Deliveries without an answer within the timeout, or whose connection failed. */
  unanswered: number;
  /** Answers that are neither an acknowledgement (200) nor 503. */
  unexpected: string[];
  /** Acknowledged deliveries that named a task created before (Slack's retries and duplicates). */
  known: number;
}

export interface SlackDeliverer {
  counts: SlackDeliveryCounts;
  /**
   * Delivers an Events API payload as Slack does, signed anew each time: after a 503 or no answer
   * it is sent again with X-Slack-Retry-Num (unlike Slack, until it is acknowledged, so that no
   * message is lost to the test's own outage); `duplicate` sends it once more after the
   * acknowledgement, as Slack's at-least-once delivery may; `firstRetryNum` continues the retries
   * of deliveries made before. Returns the task it became.
   */
  deliver(payload: object, options?: { duplicate?: boolean; firstRetryNum?: number }): Promise<string>;
}

const RETRY_PAUSE_MS = 200;

/**
 * One delivery of an Events API payload to a channel's Request URL, signed now, as Slack sends it;
 * `retryNum` > 0 marks it as Slack's retry of an earlier delivery.
 */
export function deliverSlackEvent(
  eventsUrl: string,
  signingSecret: string,
  payload: object,
  retryNum: number,
  signal: AbortSignal,
): Promise<Response> {
  const raw = JSON.stringify(payload);
  return fetch(eventsUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...slackSignatureHeaders(signingSecret, raw),
      ...(retryNum > 0
        ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_error' }
        : {}),
    },
    body: raw,
    signal,
  });
}

/** A Slack that delivers signed events to one channel's Request URL, with timeouts on every request. */
export function createSlackDeliverer(
  eventsUrl: string,
  signingSecret: string,
  options: { timeoutMs: number; giveUpAfterMs: number },
): SlackDeliverer {
  const counts: SlackDeliveryCounts = { statuses: new Map(), unanswered: 0, unexpected: [], known: 0 };

  /** One delivery: the task id when acknowledged, undefined when Slack would retry. */
  async function send(payload: object, retryNum: number): Promise<string | undefined> {
    try {
      const signal = AbortSignal.timeout(options.timeoutMs);
      const response = await deliverSlackEvent(eventsUrl, signingSecret, payload, retryNum, signal);
      const answer = (await response.json()) as { task_id?: string; created?: boolean };
      counts.statuses.set(response.status, (counts.statuses.get(response.status) ?? 0) + 1);
      if (response.status === 200 && answer.task_id) {
        if (answer.created === false) counts.known++;
        return answer.task_id;
      }
      if (response.status !== 503) {
        counts.unexpected.push(`${response.status} ${JSON.stringify(answer)}`);
        throw new Error(`Slack event refused: ${counts.unexpected.at(-1)}`);
      }
    } catch (error) {
      if (!(error instanceof TypeError || (error as Error).name === 'TimeoutError')) throw error;
      counts.unanswered++;
    }
    return undefined;
  }

  return {
    counts,
    async deliver(payload, { duplicate = false, firstRetryNum = 0 } = {}) {
      const deadline = performance.now() + options.giveUpAfterMs;
      for (let retryNum = firstRetryNum; ; retryNum++) {
        const taskId = await send(payload, retryNum);
        if (taskId) {
          if (!duplicate) return taskId;
          const again = await send(payload, retryNum + 1);
          if (again && again !== taskId) throw new Error(`one message became tasks ${taskId} and ${again}`);
          return taskId;
        }
        if (performance.now() > deadline) throw new Error(`a Slack event was never acknowledged`);
        await sleep(RETRY_PAUSE_MS);
      }
    },
  };
}
