import { describe, expect, it } from 'vitest';
import { slackInboundMessage } from './slack-inbound.ts';

const settings = { bot_user_id: 'U0BOT' };
const callback = (event: Record<string, unknown>) => ({
  type: 'event_callback',
  team_id: 'T1',
  event_id: 'Ev1',
  event: { type: 'message', channel: 'C1', user: 'U0HUMAN', text: 'hello', ts: '100.000001', ...event },
});

describe('Slack events as messages for the agent', () => {
  it('turns a person’s message into a slack_message with where it came from', () => {
    expect(slackInboundMessage(callback({ team: 'T9' }), settings)).toEqual({
      message: {
        externalId: 'C1:100.000001',
        taskType: 'slack_message',
        taskData: {
          message: 'hello',
          channel: 'C1',
          thread_ts: '100.000001',
          ts: '100.000001',
          user: 'U0HUMAN',
          team: 'T9',
          event_type: 'message',
          event_id: 'Ev1',
        },
      },
    });
  });

  it('keeps the thread of a reply in a thread, and the team of the envelope when the event has none', () => {
    const outcome = slackInboundMessage(callback({ ts: '200.000002', thread_ts: '100.000001' }), settings);
    expect(outcome).toMatchObject({
      message: {
        externalId: 'C1:200.000002',
        taskData: { thread_ts: '100.000001', ts: '200.000002', team: 'T1' },
      },
    });
  });

  it('strips the leading mention of the bot, and only that', () => {
    const text = (event: Record<string, unknown>, options: { bot_user_id?: string } = settings) => {
      const outcome = slackInboundMessage(callback(event), options);
      return 'message' in outcome ? outcome.message.taskData.message : outcome.ignored;
    };
    expect(text({ type: 'app_mention', text: '<@U0BOT> How long do refunds take?' })).toBe(
      'How long do refunds take?',
    );
    expect(text({ type: 'app_mention', text: '<@U0OTHERAPP|agentry>: hi' }, {})).toBe('hi');
    expect(text({ text: '<@U0BOT>, what now?' })).toBe('what now?');
    expect(text({ text: '<@U0COLLEAGUE> can you check?' })).toBe('<@U0COLLEAGUE> can you check?');
    expect(text({ text: 'ask <@U0BOT> later' })).toBe('ask <@U0BOT> later');
  });

  it('makes one message of the message and app_mention events Slack sends for one mention', () => {
    const asMessage = slackInboundMessage(callback({ text: '<@U0BOT> hi' }), settings);
    const asMention = slackInboundMessage(
      { ...callback({ type: 'app_mention', text: '<@U0BOT> hi' }), event_id: 'Ev2' },
      settings,
    );
    expect('message' in asMessage && asMessage.message.externalId).toBe('C1:100.000001');
    expect('message' in asMention && asMention.message.externalId).toBe('C1:100.000001');
  });

  it('ignores bots: any bot, a bot_message, the app’s own user, and Agentry’s own replies', () => {
    for (const event of [
      { bot_id: 'B0OTHER' },
      { subtype: 'bot_message', user: undefined },
      { user: 'U0BOT' },
      { metadata: { event_type: 'agentry_reply', event_payload: {} } },
    ]) {
      expect(slackInboundMessage(callback(event), settings), JSON.stringify(event)).toEqual({
        ignored: 'from_a_bot',
      });
    }
  });

  it('ignores edits, deletions and joins, but answers a reply also sent to the channel and a message with a file', () => {
    for (const subtype of ['message_changed', 'message_deleted', 'channel_join']) {
      expect(slackInboundMessage(callback({ subtype }), settings)).toEqual({ ignored: 'message_subtype' });
    }
    for (const subtype of ['thread_broadcast', 'file_share']) {
      expect(slackInboundMessage(callback({ subtype }), settings)).toHaveProperty('message');
    }
  });

  it('ignores other payloads and events, and messages without a person', () => {
    expect(slackInboundMessage({ type: 'app_rate_limited' }, settings)).toEqual({ ignored: 'not_an_event' });
    expect(slackInboundMessage({ type: 'event_callback' }, settings)).toEqual({ ignored: 'not_an_event' });
    expect(slackInboundMessage(callback({ type: 'reaction_added' }), settings)).toEqual({
      ignored: 'event_type',
    });
    expect(slackInboundMessage(callback({ channel: undefined }), settings)).toEqual({
      ignored: 'event_type',
    });
    expect(slackInboundMessage(callback({ user: undefined }), settings)).toEqual({ ignored: 'no_user' });
  });
});
