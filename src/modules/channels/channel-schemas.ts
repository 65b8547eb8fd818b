import { z } from 'zod';
import { pageQuery, timestamp } from '../../platform/http/common-schemas.ts';
import { exampleIds, exampleTimes } from '../../platform/http/openapi-examples.ts';
import { channelKinds } from './channel-tables.ts';

const jsonObject = z.record(z.string(), z.unknown());
const name = z.string().trim().min(1).max(100);
const priority = z
  .int()
  .min(1)
  .max(10)
  .describe('The priority of the tasks the channel creates (1 most urgent)');

const createExample = {
  name: 'Support Slack',
  kind: 'slack',
  agent_id: exampleIds.agent,
  settings: { bot_user_id: 'U0AGENTRY' },
  credentials: {
    signing_secret: '8f742231b10e8888abcd99yyyzzz85a5',
    bot_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
  },
  task_priority: 3,
};

export const createChannelBody = z
  .object({
    name,
    kind: z.enum(channelKinds),
    agent_id: z.uuid(),
    enabled: z.boolean().optional(),
    task_priority: priority.optional(),
    settings: jsonObject.optional().describe('The kind’s settings (docs/channels.md), validated per kind'),
    credentials: jsonObject
      .optional()
      .describe('Write-only: the kind’s secrets, stored encrypted and never returned'),
  })
  .strict()
  .meta({ id: 'CreateChannel', example: createExample });
export type CreateChannelBody = z.infer<typeof createChannelBody>;

export const updateChannelBody = z
  .object({
    name: name.optional(),
    agent_id: z.uuid().optional(),
    enabled: z.boolean().optional(),
    task_priority: priority.optional(),
    settings: jsonObject.optional().describe('Replaces the settings (validated per kind)'),
    credentials: jsonObject.optional().describe('Write-only: replaces the secrets; omitted keeps them'),
  })
  .strict()
  .meta({ id: 'UpdateChannel', example: { enabled: false } });
export type UpdateChannelBody = z.infer<typeof updateChannelBody>;

const viewExample = {
  id: exampleIds.channel,
  name: createExample.name,
  kind: createExample.kind,
  agent_id: exampleIds.agent,
  enabled: true,
  task_priority: 3,
  settings: { api_base_url: 'https://slack.com/api/', bot_user_id: 'U0AGENTRY', reply_in_thread: true },
  credentials_set: ['bot_token', 'signing_secret'],
  inbound_url: `/api/v1/channels/${exampleIds.channel}/slack/events`,
  inbound_address: null,
  created_at: exampleTimes.taskCreated,
  updated_at: exampleTimes.taskCreated,
};

export const channelView = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(channelKinds),
    agent_id: z.uuid(),
    enabled: z.boolean(),
    task_priority: z.int(),
    settings: jsonObject,
    credentials_set: z.array(z.string()).describe('The names of the secrets stored (never their values)'),
    inbound_url: z
      .string()
      .nullable()
      .describe('Where Slack or a webhook sender posts (a path on this server); null for email'),
    inbound_address: z.string().nullable().describe('Email: the address that routes mail to this channel'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Channel', example: viewExample });
export type ChannelView = z.infer<typeof channelView>;
export const channelListView = z.array(channelView).meta({ example: [viewExample] });

export const listChannelsQuery = pageQuery(50, 200).extend({
  agent_id: z.uuid().optional(),
  kind: z.enum(channelKinds).optional(),
});

export const webhookInboundBody = z
  .object({
    message: z.string().min(1).max(100_000).describe('What the agent is asked'),
    data: jsonObject.optional().describe('Kept with the task as `task_data.data`'),
    id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('The sender’s delivery id: a second delivery with the same id creates nothing'),
  })
  .meta({
    id: 'WebhookInbound',
    example: { id: 'evt_81723', message: 'Summarize ticket 4411', data: { ticket: 4411 } },
  });

export const inboundAcceptedView = z
  .object({ task_id: z.uuid(), created: z.boolean() })
  .meta({ id: 'InboundAccepted', example: { task_id: exampleIds.task, created: true } });
