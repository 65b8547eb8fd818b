import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from '../agents/agent-tables.ts';
import { organizations } from '../tenancy/tenancy-tables.ts';

export const channelKinds = ['slack', 'email', 'webhook'] as const;
export type ChannelKind = (typeof channelKinds)[number];

type JsonObject = Record<string, unknown>;

/**
 * Binds an agent to an inbound source (Slack events, mail to an address, signed webhooks) and the
 * destination of its replies. Secrets (signing secrets, tokens, passwords) are sealed together.
 */
export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    kind: text('kind', { enum: channelKinds }).notNull(),
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** The kind's settings that are not secret (API base URL, addresses, outbound URL, ...). */
    settings: jsonb('settings').$type<JsonObject>().notNull().default({}),
    /** The kind's secrets as sealed JSON (secret box, the channel id as context). */
    credentialsSealed: text('credentials_sealed'),
    /** Email: the address mail for this channel is sent to (lower case), unique across the server. */
    inboundAddress: text('inbound_address'),
    /** The priority of the tasks the channel creates. */
    taskPriority: integer('task_priority').notNull().default(5),
    createdByUserId: uuid('created_by_user_id'),
    createdByApiKeyId: uuid('created_by_api_key_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('channels_organization_name_idx').on(table.organizationId, table.name),
    index('channels_organization_agent_idx').on(table.organizationId, table.agentId),
    uniqueIndex('channels_inbound_address_idx')
      .on(table.inboundAddress)
      .where(sql`${table.inboundAddress} is not null`),
  ],
);

export const replyStatuses = ['pending', 'sending', 'sent', 'failed'] as const;
export type ReplyStatus = (typeof replyStatuses)[number];

/**
 * A reply to send through a channel (the outbox): written with the task's end, sent by the
 * `channel-replies` job. Its idempotency key makes it once per task; `sending` marks a send whose
 * outcome is unknown (its worker died), which the next delivery reconciles before sending again.
 */
export const channelReplies = pgTable(
  'channel_replies',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id),
    agentId: uuid('agent_id').notNull(),
    taskId: uuid('task_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: replyStatuses }).notNull().default('pending'),
    /** Where the reply goes: the Slack channel and thread, the mail's sender and references, ... */
    target: jsonb('target').$type<JsonObject>().notNull(),
    body: jsonb('body').$type<JsonObject>().notNull(),
    /** The destination's id of what was sent (Slack `ts`, the mail's Message-ID, the HTTP status). */
    externalId: text('external_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: jsonb('last_error').$type<{ code: string; message: string }>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('channel_replies_idempotency_idx').on(table.channelId, table.idempotencyKey),
    index('channel_replies_task_idx').on(table.taskId),
  ],
);
