import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, type TestAccount } from './support/accounts.ts';
import { openEventStream } from './support/event-stream.ts';
import { type SmtpSink, sendMail, startSmtpSink } from './support/smtp-sink.ts';
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
 * Email channels end to end (issue 10): mail sent over SMTP to Agentry's listener becomes a task
 * of the channel's agent, answered by the offline model; the answer goes back over SMTP to a sink
 * the test runs, threaded under the mail, exactly once, and is the task's `message_sent` action.
 */
let app: TestApp;
let sink: SmtpSink;
let owner: TestAccount;
let listenerPort: number;

beforeAll(async () => {
  sink = await startSmtpSink();
  // The listener on a free port; the sink is on loopback, which the outbound guard lets through here.
  app = await startTestApp({ EMAIL_SMTP_PORT: '0', OUTBOUND_ALLOWLIST: '127.0.0.1' });
  if (app.smtpPort === null) throw new Error('the test app runs no SMTP listener');
  listenerPort = app.smtpPort;
  owner = await registerAccount(app.http, 'Owner');
});
afterAll(async () => {
  await app?.close();
  await sink?.close();
});

let channels = 0;

/** An agent with an email channel at a fresh address, replying through the sink. */
async function emailChannel() {
  const agentId = await createAgent(app.http, owner, `Mail agent ${++channels}`);
  const address = `support-${channels}@agents.example.com`;
  const response = await app.http.post(
    '/api/v1/channels',
    {
      name: `Support mail ${channels}`,
      kind: 'email',
      agent_id: agentId,
      settings: { address, from_name: 'Example Support', smtp: { host: '127.0.0.1', port: sink.port } },
      credentials: {},
    },
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { agentId, address, channelId: response.body.id as string };
}

async function emailTasks(agentId: string) {
  const response = await app.http.get(`${tasksPath(agentId)}?task_type=email`, as(owner));
  expect(response.status).toBe(200);
  return response.body as {
    id: string;
    status: string;
    source: string;
    task_data: Record<string, unknown>;
  }[];
}

async function waitForOneTask(agentId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const tasks = await emailTasks(agentId);
    if (tasks.length > 0) return tasks;
    if (Date.now() > deadline) throw new Error('no email task');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The sink's messages to `address`, once `count` arrived and the queue had time for more. */
async function repliesTo(address: string, count: number) {
  const deadline = Date.now() + 20_000;
  const matching = () => sink.messages.filter((mail) => mail.envelope.to.includes(address));
  while (matching().length < count) {
    if (Date.now() > deadline) throw new Error(`${matching().length} of ${count} replies to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // A second reply would be queued with the first: give it the time the first took to show up.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return matching();
}

async function messageSentActions(agentId: string, taskId: string) {
  const response = await app.http.get(
    `/api/v1/agents/${agentId}/actions?task_id=${taskId}&action_type=message_sent`,
    as(owner),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    success: boolean;
    action_data: Record<string, unknown>;
    result_data: Record<string, unknown>;
  }[];
}

describe('an email channel', () => {
  it('turns a mail into a task whose answer is sent back once, in the thread, as a message_sent action', async () => {
    const { agentId, address, channelId } = await emailChannel();
    const stream = await openEventStream(`${app.url}/api/v1/events`, {
      authorization: `Bearer ${owner.token}`,
    });
    const customer = 'alice-1@customer.example';
    // Addresses are matched without regard to case.
    const recipient = address.replace('support', 'Support');
    const accepted = await sendMail(listenerPort, {
      from: `"Alice" <${customer}>`,
      to: recipient,
      subject: 'Cannot sign in',
      text: 'My password reset link has expired. Can you send a new one?',
      messageId: '<question-1@customer.example>',
      references: ['<earlier-1@customer.example>'],
      inReplyTo: '<earlier-1@customer.example>',
    });
    expect(accepted.accepted).toEqual([recipient]);

    const [task] = await waitForOneTask(agentId);
    expect(task).toMatchObject({
      source: 'email',
      channel_id: channelId,
      task_data: {
        message: 'My password reset link has expired. Can you send a new one?',
        from: customer,
        subject: 'Cannot sign in',
        message_id: '<question-1@customer.example>',
        thread_id: '<earlier-1@customer.example>',
      },
    });
    const completed = await waitForTask(app.http, owner.token, agentId, task?.id as string, ['completed']);

    const [reply, ...more] = await repliesTo(customer, 1);
    expect(more).toEqual([]);
    expect(reply?.envelope.from).toBe(address);
    expect(reply?.parsed.subject).toBe('Re: Cannot sign in');
    expect(reply?.parsed.inReplyTo).toBe('<question-1@customer.example>');
    expect(reply?.references).toEqual(['<earlier-1@customer.example>', '<question-1@customer.example>']);
    expect(reply?.parsed.text?.trim()).toBe(completed.result.answer.trim());

    const actions = await messageSentActions(agentId, completed.id);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      success: true,
      action_data: { channel_id: channelId, channel_kind: 'email' },
      result_data: { external_id: reply?.parsed.messageId },
    });
    await expect.poll(() => taskEventTypes(stream.events, completed.id)).toEqual(CHANNEL_TASK_EVENTS);
    stream.close();
  });

  it('creates one task and sends one reply for a mail delivered twice', async () => {
    const { agentId, address } = await emailChannel();
    const customer = 'bob-2@customer.example';
    const mail = {
      from: customer,
      to: address,
      subject: 'Invoice copy',
      text: 'Please send me a copy of invoice 4411.',
      messageId: '<twice-2@customer.example>',
    };
    const first = await sendMail(listenerPort, mail);
    const second = await sendMail(listenerPort, mail);
    expect(second.response).toBe(first.response);

    const [task, ...others] = await waitForOneTask(agentId);
    expect(others).toEqual([]);
    await waitForTask(app.http, owner.token, agentId, task?.id as string, ['completed']);
    expect(await repliesTo(customer, 1)).toHaveLength(1);
    // A third delivery after the task ended finds it too.
    await sendMail(listenerPort, mail);
    expect(await emailTasks(agentId)).toHaveLength(1);
    expect(await repliesTo(customer, 1)).toHaveLength(1);
  });

  it('sends the reply once after the SMTP server answered 451 (try again later)', async () => {
    const { agentId, address } = await emailChannel();
    const customer = 'carol-3@customer.example';
    const refusedBefore = sink.refused;
    sink.failNext(1, 451);
    await sendMail(listenerPort, {
      from: customer,
      to: address,
      subject: 'Opening hours',
      text: 'When do you open?',
    });

    const [task] = await waitForOneTask(agentId);
    await waitForTask(app.http, owner.token, agentId, task?.id as string, ['completed']);
    const [reply, ...more] = await repliesTo(customer, 1);
    expect(more).toEqual([]);
    expect(sink.refused).toBe(refusedBefore + 1);
    expect(reply?.parsed.subject).toBe('Re: Opening hours');

    const actions = await messageSentActions(agentId, task?.id as string);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      success: true,
      result_data: { external_id: reply?.parsed.messageId, attempts: 2 },
    });
  });

  it('refuses mail for an unknown or disabled channel address at RCPT (550)', async () => {
    const { address, channelId } = await emailChannel();
    const unknown = await sendMail(listenerPort, {
      from: 'dave@customer.example',
      to: 'nobody@agents.example.com',
      text: 'Hello?',
    }).catch((error: { responseCode?: number }) => error);
    expect(unknown).toMatchObject({ responseCode: 550 });

    const disabled = await app.http.patch(`/api/v1/channels/${channelId}`, { enabled: false }, as(owner));
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    const refused = await sendMail(listenerPort, {
      from: 'dave@customer.example',
      to: address,
      text: 'Hello?',
    }).catch((error: { responseCode?: number }) => error);
    expect(refused).toMatchObject({ responseCode: 550 });
  });
});
