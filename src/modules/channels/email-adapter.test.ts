import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp-sink.ts';
import { OutboundBlockedError } from '../../platform/http/outbound-guard.ts';
import type { ChannelRecord, OutgoingReply } from './channel-contract.ts';
import { ChannelSendError } from './channel-send-error.ts';
import { emailAdapter, replySubject } from './email-adapter.ts';

/** Replies sent over real SMTP to a sink on loopback; the outbound guard is a recording function. */
let sink: SmtpSink;
let guardedSink: SmtpSink;
const checkedUrls: string[] = [];
const adapter = emailAdapter({
  assertAllowed: async (url) => {
    checkedUrls.push(url);
  },
});
const never = new AbortController().signal;

beforeAll(async () => {
  sink = await startSmtpSink();
  guardedSink = await startSmtpSink({ credentials: { username: 'agentry', password: 'mail-secret' } });
});
afterEach(() => {
  sink.messages.length = 0;
  checkedUrls.length = 0;
});
afterAll(async () => {
  await sink?.close();
  await guardedSink?.close();
});

function channelWith(settings: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}) {
  return {
    id: '01973c30-0000-7000-8000-000000000001',
    organizationId: '01973c30-0000-7000-8000-000000000002',
    agentId: '01973c30-0000-7000-8000-000000000003',
    kind: 'email',
    name: 'Support mail',
    enabled: true,
    settings: { address: 'Support@agentry.test', smtp: { host: '127.0.0.1', port: sink.port }, ...settings },
    credentials,
    taskPriority: 5,
  } satisfies ChannelRecord;
}

const original = {
  message: 'My reset link expired.',
  from: 'alice@example.com',
  reply_to: null,
  subject: 'Cannot sign in',
  message_id: '<third@example.com>',
  references: ['<first@example.com>', '<second@agentry.test>'],
  auto_submitted: false,
};

function replyTo(
  taskData: Record<string, unknown>,
  channel: ChannelRecord = channelWith(),
  key = 'task-1',
): OutgoingReply {
  const target = adapter.replyTarget(taskData, channelWith().settings);
  if (!target) throw new Error('no reply target');
  return {
    channel,
    idempotencyKey: key,
    target,
    body: {
      text: 'Here is a new link.',
      task_id: '01973c30-0000-7000-8000-0000000000aa',
      task_status: 'completed',
    },
  };
}

/** The ChannelSendError a send failed with. */
async function sendError(reply: OutgoingReply): Promise<ChannelSendError> {
  const error = await adapter.send(reply, never).then(
    () => new Error('the reply was sent'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ChannelSendError);
  return error as ChannelSendError;
}

describe('email settings', () => {
  it('default the SMTP port and TLS, refuse unknown keys, and route by the lower-cased address', () => {
    expect(
      adapter.settingsSchema.parse({ address: 'Help@Example.com', smtp: { host: 'smtp.example.com' } }),
    ).toEqual({
      address: 'Help@Example.com',
      smtp: { host: 'smtp.example.com', port: 587, secure: false, require_tls: false },
    });
    for (const invalid of [
      { address: 'not an address', smtp: { host: 'smtp.example.com' } },
      { address: 'a@example.com', smtp: { host: 'smtp://smtp.example.com' } },
      { address: 'a@example.com', smtp: { host: 'smtp.example.com', port: 0 } },
      { address: 'a@example.com', smtp: { host: 'smtp.example.com', tls: true } },
      { address: 'a@example.com', smtp: { host: 'smtp.example.com' }, signature: 'x' },
      { address: 'a@example.com' },
    ]) {
      expect(adapter.settingsSchema.safeParse(invalid).success, JSON.stringify(invalid)).toBe(false);
    }
    expect(adapter.credentialsSchema.safeParse({ smtp_username: 'u', smtp_password: 'p' }).success).toBe(
      true,
    );
    expect(adapter.credentialsSchema.safeParse({ api_key: 'x' }).success).toBe(false);
    expect(adapter.inboundAddress?.({ address: 'Help@Example.com' })).toBe('help@example.com');
  });
});

describe('the reply target', () => {
  const settings = { address: 'support@agentry.test', smtp: { host: 'smtp.example.com' } };

  it('answers Reply-To, else the sender, keeping the thread; no reply to automatic mail', () => {
    expect(adapter.replyTarget(original, settings)).toEqual({
      to: 'alice@example.com',
      subject: 'Cannot sign in',
      message_id: '<third@example.com>',
      references: ['<first@example.com>', '<second@agentry.test>'],
    });
    expect(adapter.replyTarget({ ...original, reply_to: 'alice@home.example' }, settings)?.to).toBe(
      'alice@home.example',
    );
    expect(
      adapter.replyTarget({ ...original, references: ['<ok@x>', 'bad id', 42] }, settings)?.references,
    ).toEqual(['<ok@x>']);
    expect(adapter.replyTarget({ ...original, auto_submitted: true }, settings)).toBeNull();
    expect(adapter.replyTarget({ ...original, from: 'Support@Agentry.test' }, settings)).toBeNull();
    expect(adapter.replyTarget({ message: 'from an API caller' }, settings)).toBeNull();
    expect(adapter.replyTarget({ ...original, from: 'a@b.example, c@d.example' }, settings)).toBeNull();
  });

  it('puts Re: before a subject once', () => {
    expect(replySubject('Cannot sign in')).toBe('Re: Cannot sign in');
    expect(replySubject('RE: Cannot sign in')).toBe('RE: Cannot sign in');
    expect(replySubject('')).toBe('Re:');
  });
});

describe('sending a reply', () => {
  it('threads it under the mail it answers, from the channel, with a Message-ID of its key', async () => {
    const { externalId } = await adapter.send(
      replyTo(original, channelWith({ from_name: 'Agentry Support' })),
      never,
    );
    expect(checkedUrls).toEqual([`smtp://127.0.0.1:${sink.port}`]);
    const [mail] = await sink.waitForMessages(1);
    expect(mail?.envelope).toEqual({ from: 'Support@agentry.test', to: ['alice@example.com'] });
    expect(mail?.parsed.from?.value).toEqual([{ address: 'Support@agentry.test', name: 'Agentry Support' }]);
    expect(mail?.parsed.subject).toBe('Re: Cannot sign in');
    expect(mail?.parsed.text?.trim()).toBe('Here is a new link.');
    expect(mail?.parsed.inReplyTo).toBe('<third@example.com>');
    expect(mail?.references).toEqual(['<first@example.com>', '<second@agentry.test>', '<third@example.com>']);
    expect(mail?.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(externalId).toMatch(/^<[0-9a-f]{40}@agentry\.test>$/);
    expect(mail?.parsed.messageId).toBe(externalId);

    // The same reply again is the same message; another reply is another.
    expect((await adapter.send(replyTo(original), never)).externalId).toBe(externalId);
    expect((await adapter.send(replyTo(original, channelWith(), 'task-2'), never)).externalId).not.toBe(
      externalId,
    );
  });

  it('sends from from_address and logs in with the channel’s SMTP credentials', async () => {
    const settings = {
      from_address: 'noreply@agentry.test',
      smtp: { host: '127.0.0.1', port: guardedSink.port },
    };
    const channel = channelWith(settings, { smtp_username: 'agentry', smtp_password: 'mail-secret' });
    const { externalId } = await adapter.send(
      replyTo({ ...original, message_id: null, references: [] }, channel),
      never,
    );
    const [mail] = await guardedSink.waitForMessages(1);
    expect(mail).toMatchObject({ user: 'agentry', envelope: { from: 'noreply@agentry.test' } });
    expect(externalId).toMatch(/@agentry\.test>$/);
    expect(mail?.parsed.inReplyTo).toBeUndefined();
    expect(mail?.references).toEqual([]);

    const wrongPassword = channelWith(settings, { smtp_username: 'agentry', smtp_password: 'guess' });
    expect(await sendError(replyTo(original, wrongPassword))).toMatchObject({
      code: 'email_smtp_rejected',
      retryable: false,
      details: { smtp_code: 535 },
    });
  });

  it('fails retryably on a 4xx answer or an unreachable server, for good on a 5xx answer', async () => {
    sink.failNext(1, 451);
    expect(await sendError(replyTo(original))).toMatchObject({
      code: 'email_smtp_deferred',
      retryable: true,
      details: { smtp_code: 451 },
    });
    sink.failNext(1, 554);
    expect(await sendError(replyTo(original))).toMatchObject({
      code: 'email_smtp_rejected',
      retryable: false,
    });
    expect(sink.messages).toEqual([]);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    expect(
      await sendError(replyTo(original, channelWith({ smtp: { host: '127.0.0.1', port } }))),
    ).toMatchObject({
      code: 'email_smtp_unavailable',
      retryable: true,
    });
  });

  it('sends nothing to a server the outbound guard refuses', async () => {
    const guarded = emailAdapter({
      assertAllowed: async (url) => {
        throw new OutboundBlockedError(new URL(url).host, 'it is a loopback address');
      },
    });
    const error = await guarded.send(replyTo(original), never).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 'email_smtp_blocked', retryable: false });
    expect(sink.messages).toEqual([]);
  });
});
