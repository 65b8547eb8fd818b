import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelRecord, InboundMessage } from '../src/modules/channels/channel-contract.ts';
import { type EmailListener, startEmailListener } from '../src/modules/channels/email-listener.ts';
import { sendMail } from './support/smtp-sink.ts';

/**
 * Agentry's SMTP listener spoken to over loopback by a real SMTP client (nodemailer): which
 * recipients it takes, what a message becomes, and the answers that make a sending server retry
 * (451) or give up (550, 552, 554). The inbox and the channel lookup are plain functions here;
 * tasks, replies and deduplication in the database are in channels-email.test.ts.
 */
const MAX_MESSAGE_BYTES = 64 * 1024;

function channel(id: string, address: string, enabled = true): ChannelRecord {
  return {
    id,
    organizationId: 'organization-1',
    agentId: `agent-of-${id}`,
    kind: 'email',
    name: id,
    enabled,
    settings: { address },
    credentials: {},
    taskPriority: 5,
  };
}

const channels = new Map(
  [
    channel('support', 'support@agentry.test'),
    channel('sales', 'sales@agentry.test'),
    channel('paused', 'paused@agentry.test', false),
  ].map((record) => [record.settings.address as string, record]),
);

let received: { channelId: string; message: InboundMessage }[] = [];
let lookups: string[] = [];
let inboxFailure: Error | null = null;
let lookupFailure: Error | null = null;
let listener: EmailListener;

beforeAll(async () => {
  listener = await startEmailListener({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    findChannelByAddress: async (address) => {
      lookups.push(address);
      if (lookupFailure) throw lookupFailure;
      return channels.get(address) ?? null;
    },
    inbox: async (record, message) => {
      if (inboxFailure) throw inboxFailure;
      const created = !received.some(
        (call) => call.channelId === record.id && call.message.externalId === message.externalId,
      );
      if (created) received.push({ channelId: record.id, message });
      return { taskId: `task-${received.length}`, created };
    },
    log: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await listener?.close();
});
beforeEach(() => {
  received = [];
  lookups = [];
  inboxFailure = null;
  lookupFailure = null;
});

const send = (message: Parameters<typeof sendMail>[1]) => sendMail(listener.port, message);

/** The SMTP answer a send was refused with. */
async function refusal(message: Parameters<typeof sendMail>[1]) {
  const error = await send(message).then(
    () => {
      throw new Error('the message was accepted');
    },
    (failure: Error & { responseCode?: number; code?: string }) => failure,
  );
  return { responseCode: error.responseCode, code: error.code, message: error.message };
}

describe('the email listener', () => {
  it('turns a plain text message into an email task of the addressed channel', async () => {
    const info = await send({
      from: '"Alice Example" <alice@example.com>',
      to: 'Support <support@agentry.test>',
      cc: 'bob@example.com',
      subject: '  Cannot sign in  ',
      text: '\n  My password reset link has expired.\n\n',
      messageId: '<first-1@example.com>',
      // Bob's copy goes to his own mail server.
      envelope: { from: 'alice@example.com', to: 'support@agentry.test' },
    });
    expect(info.response).toMatch(/^250 Queued as task task-1$/);
    expect(lookups).toEqual(['support@agentry.test']);
    expect(received).toEqual([
      {
        channelId: 'support',
        message: {
          externalId: '<first-1@example.com>',
          taskType: 'email',
          taskData: {
            message: 'My password reset link has expired.',
            from: 'alice@example.com',
            from_name: 'Alice Example',
            reply_to: null,
            to: ['support@agentry.test'],
            cc: ['bob@example.com'],
            subject: 'Cannot sign in',
            message_id: '<first-1@example.com>',
            in_reply_to: null,
            references: [],
            thread_id: '<first-1@example.com>',
            auto_submitted: false,
            attachments: [],
          },
        },
      },
    ]);
  });

  it('keeps the thread: In-Reply-To, References, Reply-To, and the first reference as thread id', async () => {
    await send({
      from: 'alice@example.com',
      replyTo: 'Alice at home <alice@home.example>',
      to: 'support@agentry.test',
      subject: 'Re: Cannot sign in',
      text: 'Still broken.',
      messageId: '<third@example.com>',
      inReplyTo: '<second@agentry.test>',
      references: ['<first@example.com>', '<second@agentry.test>'],
    });
    expect(received[0]?.message.taskData).toMatchObject({
      reply_to: 'alice@home.example',
      in_reply_to: '<second@agentry.test>',
      references: ['<first@example.com>', '<second@agentry.test>'],
      thread_id: '<first@example.com>',
      message_id: '<third@example.com>',
    });

    await send({
      from: 'alice@example.com',
      to: 'support@agentry.test',
      subject: 'Re: x',
      text: 'Only In-Reply-To.',
      inReplyTo: '<parent@example.com>',
    });
    expect(received[1]?.message.taskData).toMatchObject({
      in_reply_to: '<parent@example.com>',
      references: [],
      thread_id: '<parent@example.com>',
    });
  });

  it('reads an HTML-only message as text, and lists attachments without keeping them', async () => {
    await send({
      from: 'alice@example.com',
      to: 'support@agentry.test',
      subject: 'Invoice',
      html: '<p>Please check the <b>attached</b> invoice.</p><ul><li>Due: Friday</li></ul><script>steal()</script>',
      attachments: [
        { filename: 'invoice.pdf', content: Buffer.alloc(2048, 1), contentType: 'application/pdf' },
      ],
    });
    const data = received[0]?.message.taskData;
    expect(data?.message).toBe('Please check the attached invoice.\n\n * Due: Friday');
    expect(data?.attachments).toEqual([
      { filename: 'invoice.pdf', content_type: 'application/pdf', size_bytes: 2048 },
    ]);
    expect(JSON.stringify(data)).not.toContain('steal()');
  });

  it('asks what the subject says when the body is empty, and refuses a message with neither (554)', async () => {
    await send({ from: 'alice@example.com', to: 'support@agentry.test', subject: 'Call me back', text: '' });
    expect(received[0]?.message.taskData.message).toBe('Call me back');
    const empty = await refusal({ from: 'alice@example.com', to: 'support@agentry.test', text: '  ' });
    expect(empty.responseCode).toBe(554);
    expect(received).toHaveLength(1);
  });

  it('refuses recipients without an enabled email channel at RCPT (550), in any letter case', async () => {
    for (const to of ['nobody@agentry.test', 'paused@agentry.test']) {
      const refused = await refusal({ from: 'alice@example.com', to, subject: 'Hi', text: 'Hello' });
      expect(refused).toMatchObject({ responseCode: 550, code: 'EENVELOPE' });
    }
    expect(received).toEqual([]);

    // With one known recipient the message is taken for it alone.
    const info = await send({
      from: 'alice@example.com',
      to: ['nobody@agentry.test', 'SUPPORT@Agentry.Test'],
      subject: 'Hi',
      text: 'Hello',
    });
    expect(info.rejected).toEqual(['nobody@agentry.test']);
    expect(received.map((call) => call.channelId)).toEqual(['support']);
    expect(lookups).toContain('support@agentry.test');
  });

  it('creates one task per addressed channel, and one only for a channel named twice', async () => {
    const info = await send({
      from: 'alice@example.com',
      to: ['support@agentry.test', 'sales@agentry.test'],
      cc: 'Support@agentry.test',
      subject: 'Pricing and a bug',
      text: 'Two questions.',
      messageId: '<both@example.com>',
    });
    expect(info.accepted).toHaveLength(3);
    expect(received.map((call) => call.channelId)).toEqual(['support', 'sales']);
    expect(received.map((call) => call.message.externalId)).toEqual([
      '<both@example.com>',
      '<both@example.com>',
    ]);
  });

  it('refuses a message over the size limit with 552 and creates nothing', async () => {
    const refused = await refusal({
      from: 'alice@example.com',
      to: 'support@agentry.test',
      subject: 'Huge',
      text: 'x'.repeat(MAX_MESSAGE_BYTES + 1),
    });
    expect(refused.responseCode).toBe(552);
    expect(received).toEqual([]);

    // The connection's next message is read normally.
    await send({ from: 'alice@example.com', to: 'support@agentry.test', subject: 'Small', text: 'ok' });
    expect(received).toHaveLength(1);
  });

  it('answers 451 while tasks cannot be created or channels looked up, so that the sender retries', async () => {
    const message = {
      from: 'alice@example.com',
      to: 'support@agentry.test',
      subject: 'Retry me',
      text: 'Please answer.',
      messageId: '<retry@example.com>',
    };
    inboxFailure = new Error('connection terminated');
    expect((await refusal(message)).responseCode).toBe(451);
    inboxFailure = null;
    lookupFailure = new Error('connection terminated');
    expect(await refusal(message)).toMatchObject({ responseCode: 451, code: 'EENVELOPE' });
    lookupFailure = null;

    await send(message);
    expect(received.map((call) => call.message.externalId)).toEqual(['<retry@example.com>']);
  });

  it('names a message without Message-ID by the hash of its bytes, the same on every delivery', async () => {
    const raw = [
      'From: alice@example.com',
      'To: support@agentry.test',
      'Subject: No id',
      '',
      'A message without Message-ID.',
      '',
    ].join('\r\n');
    const envelope = { from: 'alice@example.com', to: ['support@agentry.test'] };
    const first = await send({ envelope, raw });
    const second = await send({ envelope, raw });
    expect(first.response).toBe('250 Queued as task task-1');
    expect(second.response).toBe('250 Queued as task task-1');
    expect(received).toHaveLength(1);
    expect(received[0]?.message.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(received[0]?.message.taskData).toMatchObject({ message_id: null, thread_id: null });
  });

  it('marks bounces and automatic mail, which get no reply (RFC 3834)', async () => {
    const base = { to: 'support@agentry.test', subject: 'Out of office', text: 'I am away.' };
    await send({ ...base, from: 'alice@example.com', headers: { 'Auto-Submitted': 'auto-replied' } });
    await send({ ...base, from: 'list@example.com', headers: { Precedence: 'bulk' } });
    await send({ ...base, from: 'mailer-daemon@example.com', envelope: { from: '', to: base.to } });
    await send({ ...base, from: 'alice@example.com', headers: { 'Auto-Submitted': 'no' } });
    expect(received.map((call) => call.message.taskData.auto_submitted)).toEqual([true, true, true, false]);
  });
});
