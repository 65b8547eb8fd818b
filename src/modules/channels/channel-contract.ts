import type { z } from 'zod';
import type { ChannelKind } from './channel-tables.ts';

type JsonObject = Record<string, unknown>;

/** A channel as its adapters see it: settings as stored, credentials opened. */
export interface ChannelRecord<Settings = JsonObject, Credentials = JsonObject> {
  id: string;
  organizationId: string;
  agentId: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  settings: Settings;
  credentials: Credentials;
  taskPriority: number;
  /** Who created the channel: its tasks act for them (absent: for no one in particular). */
  createdByUserId?: string | null;
  createdByApiKeyId?: string | null;
}

/** A message that arrived through a channel: it becomes a queued task of the channel's agent. */
export interface InboundMessage {
  /** The source's id of it (Slack `event_id`, the mail's Message-ID, a webhook delivery id). */
  externalId: string;
  taskType: 'slack_message' | 'email' | 'webhook';
  /** Kept as the task's data: `message` (the text the agent answers) and where to reply. */
  taskData: JsonObject & { message: string };
}

/** Turns inbound messages into tasks, once per `externalId` and channel. */
export type ChannelInbox = (
  channel: ChannelRecord,
  message: InboundMessage,
) => Promise<{ taskId: string; created: boolean }>;

/** A reply to send: the answer (or failure) of a task that came in through the channel. */
export interface OutgoingReply<Settings = JsonObject, Credentials = JsonObject> {
  channel: ChannelRecord<Settings, Credentials>;
  /** Stable across retries of this reply: carried to the destination where it can hold one. */
  idempotencyKey: string;
  /** `adapter.replyTarget` of the task's data. */
  target: JsonObject;
  body: { text: string; task_id: string; task_status: 'completed' | 'dead'; result?: JsonObject | null };
}

/**
 * What a kind of channel brings: the shapes of its settings and secrets (validated when a channel
 * is created or changed), where a task's reply goes, and how to send one.
 */
export interface ChannelAdapter<
  Settings extends JsonObject = JsonObject,
  Credentials extends JsonObject = JsonObject,
> {
  kind: ChannelKind;
  settingsSchema: z.ZodType<Settings>;
  credentialsSchema: z.ZodType<Credentials>;
  /** Email: the address that routes mail to the channel (stored lower-cased, unique). */
  inboundAddress?: (settings: Settings) => string;
  /** Where the reply to a task goes, from the task's data; null when it gets no reply. */
  replyTarget: (taskData: JsonObject, settings: Settings) => JsonObject | null;
  /** Sends a reply; returns the destination's id of it. Throws to be retried. */
  send: (reply: OutgoingReply<Settings, Credentials>, signal: AbortSignal) => Promise<{ externalId: string }>;
  /**
   * For a reply whose earlier send may or may not have gone out (its worker died mid-send): the
   * id of the delivered reply if the destination holds it, else null (it is then sent again).
   * Absent when the destination cannot be asked (it then deduplicates by the idempotency key).
   */
  findSent?: (
    reply: OutgoingReply<Settings, Credentials>,
    signal: AbortSignal,
  ) => Promise<{ externalId: string } | null>;
}
