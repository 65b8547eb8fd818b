import { z } from 'zod';
import { exampleIds } from '../../platform/http/openapi-examples.ts';

const messageExample = {
  token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
  team_id: 'T0001',
  api_app_id: 'A0AGENTRY',
  event: {
    type: 'app_mention',
    user: 'U2147483697',
    text: '<@U0AGENTRY> How long do refunds take?',
    ts: '1749197400.000200',
    channel: 'C2147483705',
    event_ts: '1749197400.000200',
  },
  type: 'event_callback',
  event_id: 'Ev08MFMKH6',
  event_time: 1749197400,
};

/**
 * A payload of Slack's Events API. Only its envelope is checked here: events Agentry does not
 * handle are acknowledged whatever their shape, so that Slack does not retry them or turn the
 * subscription off.
 */
export const slackEventBody = z
  .object({
    type: z.string().describe('`url_verification`, `event_callback` (others are acknowledged and ignored)'),
    challenge: z.string().max(1000).optional().describe('url_verification: to be echoed'),
    token: z
      .string()
      .optional()
      .describe('Slack’s deprecated verification token; the signature is checked instead'),
    team_id: z.string().optional(),
    api_app_id: z.string().optional(),
    event: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('event_callback: the event; `message` and `app_mention` become tasks'),
    event_id: z.string().optional(),
    event_time: z.number().optional(),
  })
  .loose()
  .meta({ id: 'SlackEvent', example: messageExample });

export const slackIgnoredReasons = [
  'not_an_event',
  'event_type',
  'from_a_bot',
  'message_subtype',
  'no_user',
] as const;

export const slackEventAnswer = z
  .object({
    ok: z.literal(true),
    challenge: z.string().optional().describe('url_verification: the challenge Slack sent'),
    task_id: z.uuid().optional().describe('The task of the message (the same for Slack’s retries)'),
    created: z.boolean().optional().describe('false when the message had already been received'),
    ignored: z
      .enum(slackIgnoredReasons)
      .optional()
      .describe(
        'Why no task was created: not an event, another event type, a bot’s message, an edit or deletion',
      ),
  })
  .meta({
    id: 'SlackEventAnswer',
    example: { ok: true, task_id: exampleIds.task, created: true },
  });
