import type { TaskService } from '../tasks/index.ts';
import type { ChannelInbox } from './channel-contract.ts';

const sourceOf = { slack_message: 'slack', email: 'email', webhook: 'webhook' } as const;

/**
 * Messages from channels become queued tasks of the channel's agent, acting for whoever created
 * the channel. A message delivered twice (Slack's retries, a resent mail, a webhook sender's
 * retry) finds the task it created: the idempotency key is the channel and the source's id.
 */
export const channelInbox =
  (tasks: Pick<TaskService, 'receive'>): ChannelInbox =>
  async (channel, message) => {
    const { task, created } = await tasks.receive(
      { organizationId: channel.organizationId },
      {
        agentId: channel.agentId,
        taskType: message.taskType,
        taskData: message.taskData,
        priority: channel.taskPriority,
        idempotencyKey: `channel:${channel.id}:${message.externalId}`,
        source: sourceOf[message.taskType],
        channelId: channel.id,
        createdByUserId: channel.createdByUserId ?? null,
        createdByApiKeyId: channel.createdByApiKeyId ?? null,
        queue: true,
      },
    );
    return { taskId: task.id, created };
  };
