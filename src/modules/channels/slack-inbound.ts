import { z } from 'zod';
import type { InboundMessage } from './channel-contract.ts';
import { SLACK_REPLY_EVENT_TYPE } from './slack-adapter.ts';
import type { slackIgnoredReasons } from './slack-event-schemas.ts';

/** The fields of a `message` or `app_mention` event that Agentry reads; Slack sends more. */
const messageEvent = z
  .object({
    type: z.enum(['message', 'app_mention']),
    subtype: z.string().optional(),
    channel: z.string().min(1),
    user: z.string().min(1).optional(),
    bot_id: z.string().optional(),
    text: z.string().default(''),
    ts: z.string().min(1),
    thread_ts: z.string().min(1).optional(),
    team: z.string().optional(),
    metadata: z.object({ event_type: z.string().optional() }).loose().optional(),
  })
  .loose();

/** Message subtypes a person writes (a reply also sent to the channel, a message with a file). */
const PERSON_SUBTYPES = new Set(['thread_broadcast', 'file_share']);

export type IgnoredReason = (typeof slackIgnoredReasons)[number];

/** A leading mention, `<@U123>` or `<@U123|name>`, and the space after it. */
const LEADING_MENTION = /^\s*<@([A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*/;

/**
 * What a payload of the Events API asks of the agent: a message to answer, or why there is none.
 * Bots' messages (any bot, this app's included) are never answered, so that two agents, or an
 * agent and its own replies, cannot talk to each other without end. The message's id is its
 * conversation and `ts`: Slack's retries of a delivery, and the `message` and `app_mention` events
 * of one message (when the app subscribes to both), are one task.
 */
export function slackInboundMessage(
  payload: {
    type: string;
    event?: Record<string, unknown> | undefined;
    event_id?: string | undefined;
    team_id?: string | undefined;
  },
  settings: { bot_user_id?: string | undefined },
): { message: InboundMessage } | { ignored: IgnoredReason } {
  if (payload.type !== 'event_callback' || !payload.event) return { ignored: 'not_an_event' };
  const parsed = messageEvent.safeParse(payload.event);
  if (!parsed.success) return { ignored: 'event_type' };
  const event = parsed.data;
  if (
    event.bot_id ||
    event.subtype === 'bot_message' ||
    event.metadata?.event_type === SLACK_REPLY_EVENT_TYPE ||
    (settings.bot_user_id !== undefined && event.user === settings.bot_user_id)
  ) {
    return { ignored: 'from_a_bot' };
  }
  if (event.subtype !== undefined && !PERSON_SUBTYPES.has(event.subtype))
    return { ignored: 'message_subtype' };
  if (!event.user) return { ignored: 'no_user' };

  const mention = LEADING_MENTION.exec(event.text);
  const mentionsTheBot = mention && (event.type === 'app_mention' || mention[1] === settings.bot_user_id);
  const text = mentionsTheBot ? event.text.slice(mention[0].length) : event.text;
  return {
    message: {
      externalId: `${event.channel}:${event.ts}`,
      taskType: 'slack_message',
      taskData: {
        message: text.trim(),
        channel: event.channel,
        thread_ts: event.thread_ts ?? event.ts,
        ts: event.ts,
        user: event.user,
        team: event.team ?? payload.team_id ?? null,
        event_type: event.type,
        event_id: payload.event_id ?? null,
      },
    },
  };
}
