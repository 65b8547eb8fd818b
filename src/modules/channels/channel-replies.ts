import type { Database, Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { recordTaskSteps } from '../runs/index.ts';
import type { TaskRow } from '../tasks/index.ts';
import type { ChannelRecord, OutgoingReply } from './channel-contract.ts';
import * as repository from './channel-repository.ts';
import { ChannelSendError } from './channel-send-error.ts';
import type { ChannelAdapters } from './channel-service.ts';

export const CHANNEL_REPLIES_QUEUE = 'channel-replies';
/** pg-boss's retries of a reply job; the reply fails for good after the last. */
const REPLY_RETRIES = 8;

interface ReplyJob {
  organizationId: string;
  replyId: string;
}

/** What a dead task tells the person who asked: that it failed, not why (that is for operators). */
const DEAD_TASK_TEXT =
  'Sorry, I could not complete this request. It has been recorded so that someone can look into it.';

/**
 * The end listener of tasks: a task from a channel that completed (or died) gets one reply,
 * written to the outbox in the transaction that ends the task and sent by the reply job. The
 * idempotency key is the task's: a task ended twice (it cannot be) or redelivered queues nothing new.
 */
export function queueChannelReply(adapters: ChannelAdapters, queue: Pick<JobQueue, 'send'>) {
  return async (tx: Executor, task: TaskRow) => {
    if (!task.channelId || (task.status !== 'completed' && task.status !== 'dead')) return;
    const scope = { organizationId: task.organizationId };
    const channel = await repository.findChannel(tx, scope, task.channelId);
    if (!channel) return;
    const target = adapters[channel.kind].replyTarget(task.taskData, channel.settings);
    if (!target) return;
    const completed = task.status === 'completed';
    const reply = await repository.insertReply(tx, {
      id: uuidv7(),
      organizationId: task.organizationId,
      channelId: channel.id,
      agentId: task.agentId,
      taskId: task.id,
      idempotencyKey: `task:${task.id}:reply`,
      target,
      body: {
        text: completed ? (task.result?.answer ?? '') : DEAD_TASK_TEXT,
        task_id: task.id,
        task_status: completed ? 'completed' : 'dead',
        result: completed ? { ...task.result } : { error: task.error },
      },
    });
    if (reply)
      await queue.send(
        CHANNEL_REPLIES_QUEUE,
        { organizationId: task.organizationId, replyId: reply.id } satisfies ReplyJob,
        { tx },
      );
  };
}

const sendFailure = (error: unknown) =>
  error instanceof ChannelSendError
    ? { code: error.code, message: error.message, retryable: error.retryable }
    : error instanceof AppError
      ? { code: error.code, message: error.message, retryable: error.status >= 500 }
      : { code: 'send_failed', message: 'The reply could not be sent', retryable: true };

/**
 * Sends the outbox's replies, each at most once as far as the destination can tell: the reply is
 * marked `sending` (and its attempt counted) before it goes out, so a delivery that finds an
 * earlier attempt first asks the destination whether that one arrived (`findSent`, Slack) or
 * sends the same message again under the same idempotency key (email's Message-ID, the webhook's
 * Idempotency-Key). A sent reply is a `message_sent` action of the task.
 */
export function channelReplyJob({
  db,
  adapters,
  events,
  open,
}: {
  db: Database;
  adapters: ChannelAdapters;
  events: Pick<EventPublisher, 'publish'>;
  open: (row: repository.ChannelRow) => ChannelRecord;
}): JobDefinition<ReplyJob> {
  const finish = (
    reply: repository.ReplyRow,
    kind: string,
    outcome: { externalId: string; reconciled: boolean } | { error: { code: string; message: string } },
  ) =>
    db.transaction(async (tx) => {
      const scope = { organizationId: reply.organizationId };
      const sent = 'externalId' in outcome;
      const ended = await repository.updateReply(tx, scope, reply.id, {
        status: sent ? 'sent' : 'failed',
        ...(sent
          ? { externalId: outcome.externalId, sentAt: new Date(), lastError: null }
          : { lastError: outcome.error }),
      });
      await recordTaskSteps(tx, [
        {
          organizationId: reply.organizationId,
          agentId: reply.agentId,
          taskId: reply.taskId,
          actionType: 'message_sent',
          actionData: {
            channel_id: reply.channelId,
            channel_kind: kind,
            idempotency_key: reply.idempotencyKey,
            target: reply.target,
          },
          resultData: sent
            ? {
                external_id: outcome.externalId,
                attempts: ended.attempts,
                ...(outcome.reconciled ? { found_already_sent: true } : {}),
              }
            : { error: outcome.error, attempts: ended.attempts },
          success: sent,
        },
      ]);
      await events.publish(
        {
          type: sent ? 'task-reply-sent' : 'task-reply-failed',
          organization_id: reply.organizationId,
          data: {
            task_id: reply.taskId,
            agent_id: reply.agentId,
            channel_id: reply.channelId,
            ...(sent ? { external_id: outcome.externalId } : { error_code: outcome.error.code }),
          },
        },
        { tx },
      );
    });

  return {
    queue: {
      name: CHANNEL_REPLIES_QUEUE,
      options: {
        retryLimit: REPLY_RETRIES,
        retryDelay: 2,
        retryBackoff: true,
        retryDelayMax: 300,
        expireInSeconds: 120,
      },
      deadLetter: true,
    },
    concurrency: 4,
    handle: async (job) => {
      const scope = { organizationId: job.data.organizationId };
      const claimed = await db.transaction(async (tx) => {
        const reply = await repository.lockReply(tx, scope, job.data.replyId);
        if (!reply || reply.status === 'sent' || reply.status === 'failed') return undefined;
        const channel = await repository.findChannel(tx, scope, reply.channelId);
        if (!channel) return undefined;
        const marked = await repository.updateReply(tx, scope, reply.id, {
          status: 'sending',
          attempts: reply.attempts + 1,
        });
        return { reply: marked, channel: open(channel), triedBefore: reply.attempts > 0 };
      });
      if (!claimed) return;
      const { reply, channel, triedBefore } = claimed;
      const adapter = adapters[channel.kind];
      const outgoing: OutgoingReply = {
        channel,
        idempotencyKey: reply.idempotencyKey,
        target: reply.target,
        body: reply.body as OutgoingReply['body'],
      };
      try {
        // An earlier attempt may have been delivered before its worker died or timed out.
        const found = triedBefore && adapter.findSent ? await adapter.findSent(outgoing, job.signal) : null;
        const { externalId } = found ?? (await adapter.send(outgoing, job.signal));
        await finish(reply, channel.kind, { externalId, reconciled: found !== null });
      } catch (error) {
        if (job.signal.aborted) throw error;
        const failure = sendFailure(error);
        if (failure.retryable && job.attempt < REPLY_RETRIES) {
          await db.transaction((tx) =>
            repository.updateReply(tx, scope, reply.id, {
              lastError: { code: failure.code, message: failure.message },
            }),
          );
          throw error;
        }
        await finish(reply, channel.kind, { error: { code: failure.code, message: failure.message } });
      }
    },
  };
}
