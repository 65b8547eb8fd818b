import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignatureHeaders } from '../src/modules/channels/slack-signature.ts';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { openEventStream } from './support/event-stream.ts';
import {
  eventCallback,
  type SlackEventFields,
  type SlackStub,
  sendEvent,
  sendEventWithRetries,
  startSlackStub,
  urlVerification,
} from './support/slack-stub.ts';
import {
  as,
  CHANNEL_TASK_EVENTS,
  createAgent,
  taskEventTypes,
  tasksPath,
  waitForTask,
} from './support/tasks.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Slack channels end to end (issue 10): signed Events API deliveries, sent the way Slack sends
 * them, become tasks of the channel's agent (answered by the offline model); each answer is posted
 * once, in the message's thread, to a Slack Web API stub the test runs, and is the task's
 * `message_sent` action, whatever Slack retried and however the stub failed.
 */
let app: TestApp;
let slack: SlackStub;
let owner: TestAccount;

beforeAll(async () => {
  slack = await startSlackStub();
  // The stub is on loopback, which the outbound guard lets through here.
  app = await startTestApp({ OUTBOUND_ALLOWLIST: '127.0.0.1' });
  owner = await registerAccount(app.http, 'Owner');
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
});

let channels = 0;

/** An agent with a Slack channel answering through the stub, and a Slack conversation of its own. */
async function slackChannel(settings: Record<string, unknown> = {}) {
  channels += 1;
  const agentId = await createAgent(app.http, owner, `Slack agent ${channels}`);
  const signingSecret = `signing-secret-${channels}`;
  const response = await app.http.post(
    '/api/v1/channels',
    {
      name: `Support Slack ${channels}`,
      kind: 'slack',
      agent_id: agentId,
      settings: { api_base_url: slack.url, bot_user_id: slack.botUserId, ...settings },
      credentials: { signing_secret: signingSecret, bot_token: slack.botToken },
    },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return {
    agentId,
    signingSecret,
    channelId: response.body.id as string,
    eventsUrl: `${app.url}${response.body.inbound_url}`,
    conversation: `C0SUPPORT${channels}`,
    view: response.body,
  };
}

type Channel = Awaited<ReturnType<typeof slackChannel>>;

/** A person's message in the channel's conversation, as an Events API payload. */
const personSays = (channel: Channel, text: string, fields: Partial<SlackEventFields> = {}) =>
  eventCallback({ channel: channel.conversation, user: 'U0CUSTOMER', text, ...fields });

async function slackTasks(agentId: string) {
  const response = await app.http.get(`${tasksPath(agentId)}?source=slack`, as(owner));
  expect(response.status).toBe(200);
  return response.body as {
    id: string;
    status: string;
    source: string;
    task_type: string;
    task_data: Record<string, unknown>;
  }[];
}

/** The bot's messages in a conversation, once `count` arrived and the queue had time for more. */
async function repliesIn(conversation: string, count: number) {
  const deadline = Date.now() + 20_000;
  while (slack.posted(conversation).length < count) {
    if (Date.now() > deadline) throw new Error(`${slack.posted(conversation).length} of ${count} replies`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // A second reply would be sent soon after the first: give it the time the first took.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return slack.posted(conversation);
}

async function messageSentActions(agentId: string, taskId: string) {
  const response = await app.http.get(
    `/api/v1/agents/${agentId}/actions?task_id=${taskId}&action_type=message_sent`,
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { success: boolean; action_data: any; result_data: any }[];
}

/** The task's `message_sent` actions, once there is one (or after 20 s, none). */
async function firstMessageSentActions(agentId: string, taskId: string) {
  const deadline = Date.now() + 20_000;
  let actions = await messageSentActions(agentId, taskId);
  while (actions.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    actions = await messageSentActions(agentId, taskId);
  }
  return actions;
}

describe('the Slack Events API endpoint', () => {
  it('is created with a Request URL, and never shows the credentials', async () => {
    const channel = await slackChannel();
    expect(channel.view).toMatchObject({
      kind: 'slack',
      settings: { api_base_url: slack.url, bot_user_id: slack.botUserId, reply_in_thread: true },
      credentials_set: ['bot_token', 'signing_secret'],
      inbound_url: `/api/v1/channels/${channel.channelId}/slack/events`,
    });
    const read = await app.http.get(`/api/v1/channels/${channel.channelId}`, as(owner));
    expect(JSON.stringify(read.body)).not.toContain(channel.signingSecret);
    expect(JSON.stringify(read.body)).not.toContain(slack.botToken);
  });

  it('answers Slack’s url_verification handshake with its challenge', async () => {
    const channel = await slackChannel();
    const answer = await sendEvent(
      channel.eventsUrl,
      channel.signingSecret,
      urlVerification('3eZbrw1aBm2rZgRN'),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, challenge: '3eZbrw1aBm2rZgRN' });
  });

  it('refuses unsigned, wrongly signed and stale requests with 401 invalid_signature, creating nothing', async () => {
    const channel = await slackChannel();
    const payload = personSays(channel, 'Let me in');
    const refusals = [
      await sendEvent(channel.eventsUrl, 'another-secret', payload),
      await sendEvent(channel.eventsUrl, channel.signingSecret, payload, {
        signature: `v0=${'0'.repeat(64)}`,
      }),
      await sendEvent(channel.eventsUrl, channel.signingSecret, payload, {
        signedAtMs: Date.now() - 6 * 60_000,
      }),
      await sendEvent(channel.eventsUrl, channel.signingSecret, urlVerification('x'), {
        signedAtMs: Date.now() + 6 * 60_000,
      }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.body).toMatchObject({ error: true, code: 'invalid_signature' });
    }
    expect(refusals[2]?.body.message).toContain('5 minutes');

    const unsigned = await fetch(channel.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBe(401);
    // A body signed, then changed on the way: the signature covers the raw bytes.
    const signedBody = JSON.stringify(payload);
    const tampered = await sendEvent(channel.eventsUrl, channel.signingSecret, signedBody, {
      signature: slackSignatureHeaders(channel.signingSecret, signedBody.replace('Let me in', 'Let me in!'))[
        'x-slack-signature'
      ],
    });
    expect(tampered.status).toBe(401);
    expect(await slackTasks(channel.agentId)).toEqual([]);
  });

  it('answers an unknown, a disabled or a malformed channel id as a wrong signature', async () => {
    const channel = await slackChannel();
    const payload = urlVerification('abc');
    const unknownUrl = channel.eventsUrl.replace(channel.channelId, '01973c30-0000-7000-8000-00000000dead');
    const malformedUrl = channel.eventsUrl.replace(channel.channelId, 'not-a-uuid');
    const disabled = await app.http.patch(
      `/api/v1/channels/${channel.channelId}`,
      { enabled: false },
      as(owner),
    );
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);

    const answers = [
      await sendEvent(unknownUrl, channel.signingSecret, payload),
      await sendEvent(malformedUrl, channel.signingSecret, payload),
      await sendEvent(channel.eventsUrl, channel.signingSecret, payload),
      await sendEvent(channel.eventsUrl, 'a-guess', payload),
    ];
    const [first, ...others] = answers;
    expect(first?.status).toBe(401);
    for (const answer of others) {
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe(first?.body.code);
      expect(answer.body.message).toBe(first?.body.message);
    }

    await app.http.patch(`/api/v1/channels/${channel.channelId}`, { enabled: true }, as(owner));
    expect((await sendEvent(channel.eventsUrl, channel.signingSecret, payload)).status).toBe(200);
  });
});

describe('a Slack message', () => {
  it('becomes a task whose answer is posted once, in the message’s thread, as a message_sent action', async () => {
    const channel = await slackChannel();
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const payload = personSays(channel, `<@${slack.botUserId}> How long do refunds take?`, {
      type: 'app_mention',
    });
    const answer = await sendEvent(channel.eventsUrl, channel.signingSecret, payload);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, task_id: expect.any(String), created: true });

    const [task, ...others] = await slackTasks(channel.agentId);
    expect(others).toEqual([]);
    expect(task).toMatchObject({
      id: answer.body.task_id,
      source: 'slack',
      channel_id: channel.channelId,
      task_type: 'slack_message',
      task_data: {
        message: 'How long do refunds take?',
        channel: channel.conversation,
        thread_ts: payload.event.ts,
        ts: payload.event.ts,
        user: 'U0CUSTOMER',
        team: 'T0STUBTEAM',
        event_type: 'app_mention',
        event_id: payload.event_id,
      },
    });
    const completed = await waitForTask(app.http, owner.token, channel.agentId, answer.body.task_id, [
      'completed',
    ]);
    expect(completed.result.answer).toContain('How long do refunds take?');

    const [reply, ...more] = await repliesIn(channel.conversation, 1);
    expect(more).toEqual([]);
    expect(reply).toMatchObject({
      thread_ts: payload.event.ts,
      text: completed.result.answer,
      metadata: { event_type: 'agentry_reply', event_payload: { task_id: completed.id } },
    });
    const postCall = slack.requests.find(
      (request) => request.path === '/api/chat.postMessage' && request.rawBody.includes(completed.id),
    );
    expect(postCall?.headers.authorization).toBe(`Bearer ${slack.botToken}`);

    const actions = await messageSentActions(channel.agentId, completed.id);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      success: true,
      action_data: {
        channel_id: channel.channelId,
        channel_kind: 'slack',
        idempotency_key: reply?.metadata?.event_payload.idempotency_key,
        target: { channel: channel.conversation, ts: payload.event.ts, thread_ts: payload.event.ts },
      },
      result_data: { external_id: reply?.ts, attempts: 1 },
    });
    // The event stream told the whole story, once.
    await expect.poll(() => taskEventTypes(stream.events, completed.id)).toEqual(CHANNEL_TASK_EVENTS);
    stream.close();
  });

  it('delivered again by Slack (X-Slack-Retry-Num), or as message and app_mention, is one task and one reply', async () => {
    const channel = await slackChannel();
    const payload = personSays(channel, `<@${slack.botUserId}> Where is my order?`);
    const answers = await sendEventWithRetries(channel.eventsUrl, channel.signingSecret, payload, 3);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((answer) => answer.body.created)).toEqual([true, false, false, false]);
    const taskId = answers[0]?.body.task_id;
    expect(new Set(answers.map((answer) => answer.body.task_id))).toEqual(new Set([taskId]));
    // Subscribed to both, Slack sends the mention twice, with two event ids.
    const asMention = {
      ...payload,
      event_id: `${payload.event_id}M`,
      event: { ...payload.event, type: 'app_mention' },
    };
    const mention = await sendEvent(channel.eventsUrl, channel.signingSecret, asMention);
    expect(mention.body).toEqual({ ok: true, task_id: taskId, created: false });

    await waitForTask(app.http, owner.token, channel.agentId, taskId, ['completed']);
    expect(await repliesIn(channel.conversation, 1)).toHaveLength(1);
    // A retry after the task ended finds it too, and sends nothing.
    const late = await sendEvent(channel.eventsUrl, channel.signingSecret, payload, { retryNum: 3 });
    expect(late.body).toEqual({ ok: true, task_id: taskId, created: false });
    expect(await slackTasks(channel.agentId)).toHaveLength(1);
    expect(await repliesIn(channel.conversation, 1)).toHaveLength(1);
  });

  it('from a bot, the app itself, an edit or a deletion makes no task', async () => {
    const channel = await slackChannel();
    const ignored = [
      [personSays(channel, 'I am the agent', { user: slack.botUserId }), 'from_a_bot'],
      [personSays(channel, 'Another bot', { bot_id: 'B0OTHERBOT', user: 'U0OTHERBOT' }), 'from_a_bot'],
      [
        personSays(channel, 'Legacy bot', { subtype: 'bot_message', user: undefined, bot_id: 'B0OLD' }),
        'from_a_bot',
      ],
      [personSays(channel, 'edited', { subtype: 'message_changed' }), 'message_subtype'],
      [personSays(channel, '', { subtype: 'message_deleted' }), 'message_subtype'],
      [
        {
          ...personSays(channel, 'x'),
          event: { type: 'reaction_added', user: 'U0CUSTOMER', reaction: 'tada' },
        },
        'event_type',
      ],
      [{ type: 'app_rate_limited', team_id: 'T0STUBTEAM', minute_rate_limited: 1518467820 }, 'not_an_event'],
    ] as const;
    for (const [payload, reason] of ignored) {
      const answer = await sendEvent(channel.eventsUrl, channel.signingSecret, payload);
      expect(answer.status, JSON.stringify(payload)).toBe(200);
      expect(answer.body).toEqual({ ok: true, ignored: reason });
    }
    expect(await slackTasks(channel.agentId)).toEqual([]);
  });

  it('in a thread is answered in that thread, also when the channel replies at the top', async () => {
    const channel = await slackChannel({ reply_in_thread: false });
    const top = personSays(channel, 'First question');
    const inThread = personSays(channel, 'A follow-up', { thread_ts: top.event.ts });
    for (const payload of [top, inThread]) {
      const answer = await sendEvent(channel.eventsUrl, channel.signingSecret, payload);
      await waitForTask(app.http, owner.token, channel.agentId, answer.body.task_id, ['completed']);
    }
    const replies = await repliesIn(channel.conversation, 2);
    expect(replies).toHaveLength(2);
    const byQuestion = (question: string) => replies.find((reply) => reply.text.includes(question));
    expect(byQuestion('First question')?.thread_ts).toBeUndefined();
    expect(byQuestion('A follow-up')?.thread_ts).toBe(top.event.ts);
  });

  it('is answered once when Slack rate-limits the first try of the reply', async () => {
    const channel = await slackChannel();
    slack.failNext(1, { kind: 'ratelimited', retryAfterSeconds: 1 });
    const answer = await sendEvent(
      channel.eventsUrl,
      channel.signingSecret,
      personSays(channel, 'Opening hours?'),
    );
    await waitForTask(app.http, owner.token, channel.agentId, answer.body.task_id, ['completed']);

    const [reply, ...more] = await repliesIn(channel.conversation, 1);
    expect(more).toEqual([]);
    const limited = slack.requests.filter(
      (request) => request.path === '/api/chat.postMessage' && request.rawBody.includes(answer.body.task_id),
    );
    expect(limited).toHaveLength(2);
    const actions = await messageSentActions(channel.agentId, answer.body.task_id);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ success: true, result_data: { external_id: reply?.ts, attempts: 2 } });
  });

  it('is answered once when the answer to the post was lost: the retry finds the posted reply', async () => {
    const channel = await slackChannel();
    slack.failNext(1, { kind: 'lost' });
    const answer = await sendEvent(
      channel.eventsUrl,
      channel.signingSecret,
      personSays(channel, 'Track parcel 7'),
    );
    await waitForTask(app.http, owner.token, channel.agentId, answer.body.task_id, ['completed']);

    const actions = await firstMessageSentActions(channel.agentId, answer.body.task_id);
    const [reply, ...more] = await repliesIn(channel.conversation, 1);
    expect(more).toEqual([]);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      success: true,
      result_data: { external_id: reply?.ts, attempts: 2, found_already_sent: true },
    });
    expect(
      slack.requests.filter((request) => request.path === '/api/conversations.replies').length,
    ).toBeGreaterThan(0);
  });

  it('is not retried when Slack refuses the reply for good, and the failure is the action', async () => {
    const channel = await slackChannel();
    slack.failNext(1, { kind: 'error', error: 'not_in_channel' });
    const answer = await sendEvent(
      channel.eventsUrl,
      channel.signingSecret,
      personSays(channel, 'Anyone there?'),
    );
    await waitForTask(app.http, owner.token, channel.agentId, answer.body.task_id, ['completed']);

    const actions = await firstMessageSentActions(channel.agentId, answer.body.task_id);
    expect(actions).toEqual([
      expect.objectContaining({
        success: false,
        result_data: {
          error: { code: 'slack_error', message: expect.stringContaining('not_in_channel') },
          attempts: 1,
        },
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(slack.posted(channel.conversation)).toEqual([]);
  });
});
