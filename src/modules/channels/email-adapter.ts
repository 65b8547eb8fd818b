import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import nodemailer, { type NodemailerError } from 'nodemailer';
import { z } from 'zod';
import { OutboundBlockedError } from '../../platform/http/outbound-guard.ts';
import type { ChannelAdapter } from './channel-contract.ts';
import { ChannelSendError } from './channel-send-error.ts';

const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;
const DNS_TIMEOUT_MS = 10_000;
/** A long thread's References keep its root and its latest messages (RFC 5322 section 3.6.4). */
const MAX_REFERENCES = 20;
/** Failures without an SMTP reply that a later try may not meet. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EABORT']);

export const emailSettingsSchema = z
  .object({
    address: z
      .email()
      .max(254)
      .describe('The address mail for this channel is sent to (unique on the server)'),
    from_address: z.email().max(254).optional().describe('The sender of replies; `address` by default'),
    from_name: z.string().trim().min(1).max(100).optional().describe('The display name of replies'),
    smtp: z
      .object({
        host: z.union([z.hostname(), z.ipv6()]).describe('The SMTP server that sends replies'),
        port: z.int().min(1).max(65_535).default(587),
        secure: z
          .boolean()
          .default(false)
          .describe('TLS from the start (port 465); else STARTTLS when offered'),
        require_tls: z.boolean().default(false).describe('Refuse to send unless the server offers STARTTLS'),
      })
      .strict()
      .describe('Where replies are handed over'),
  })
  .strict();
export type EmailSettings = z.output<typeof emailSettingsSchema>;

export const emailCredentialsSchema = z
  .object({
    smtp_username: z.string().min(1).max(500).optional(),
    smtp_password: z.string().max(1_000).optional(),
  })
  .strict();
export type EmailCredentials = z.output<typeof emailCredentialsSchema>;

/** One address, without a display name or a list (what the listener stores). */
const plainAddress = z.string().regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+$/);
const messageId = z.string().regex(/^<[^<>\s]+>$/);

/** What a reply needs of the task's data (email-message.ts writes it). */
const emailTaskDataSchema = z.object({
  from: plainAddress.nullish().catch(null),
  reply_to: plainAddress.nullish().catch(null),
  subject: z.string().nullish().catch(null),
  message_id: messageId.nullish().catch(null),
  references: z.array(z.unknown()).nullish().catch(null),
  auto_submitted: z.boolean().nullish().catch(null),
});

const replyTargetSchema = z.object({
  to: plainAddress,
  subject: z.string(),
  message_id: messageId.nullable(),
  references: z.array(messageId),
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `Re: <subject>`, once. */
export function replySubject(subject: string): string {
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`.trim();
}

function threadReferences(references: string[], messageIdOfOriginal: string | null): string[] {
  const all = [...references, ...(messageIdOfOriginal ? [messageIdOfOriginal] : [])];
  return all.length <= MAX_REFERENCES ? all : [all[0] as string, ...all.slice(-(MAX_REFERENCES - 1))];
}

/**
 * The reply's Message-ID, the same on every try of the same reply: a resend after an unknown
 * outcome is then the same message, which receiving servers and mail clients keep once.
 */
export function replyMessageId(channelId: string, idempotencyKey: string, fromAddress: string): string {
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1);
  return `<${sha256(`${channelId}\n${idempotencyKey}`).slice(0, 40)}@${domain}>`;
}

/** The SMTP failure as a ChannelSendError: retryable for 4xx replies, lost connections and timeouts. */
export function smtpSendErrorOf(error: unknown): unknown {
  if (error instanceof ChannelSendError) return error;
  const { responseCode, response, command, code } = error as NodemailerError;
  if (responseCode) {
    // 503 (bad sequence of commands) is about the session, not the message (RFC 5321 4.2.1).
    const retryable = responseCode < 500 || responseCode === 503;
    return new ChannelSendError(
      retryable ? 'email_smtp_deferred' : 'email_smtp_rejected',
      `The SMTP server answered ${responseCode}${command ? ` to ${command}` : ''}${
        retryable ? '' : ' (check the channel’s SMTP settings, credentials and the recipient)'
      }`,
      {
        retryable,
        details: { smtp_code: responseCode, smtp_response: response?.slice(0, 500) },
        cause: error,
      },
    );
  }
  if (code && TRANSIENT_CODES.has(code)) {
    return new ChannelSendError(
      'email_smtp_unavailable',
      'The SMTP server could not be reached or did not answer in time',
      {
        retryable: true,
        details: { code },
        cause: error,
      },
    );
  }
  return new ChannelSendError(
    'email_smtp_error',
    `The reply could not be handed to the SMTP server${code ? ` (${code})` : ''}: check the channel’s SMTP settings`,
    { retryable: false, details: { code }, cause: error },
  );
}

/**
 * The email channel kind: mail to `address` comes in through Agentry's SMTP listener
 * (email-listener.ts); replies go out through the channel's SMTP server, threaded under the mail
 * they answer (`Re:` subject, In-Reply-To, References) and marked `Auto-Submitted: auto-replied`
 * so that other responders do not answer them back.
 *
 * There is no `findSent`: an SMTP server cannot be asked whether it took a message. A reply whose
 * outcome is unknown is sent again with the same Message-ID, which receivers deduplicate by.
 */
export function emailAdapter(options: {
  /** The outbound guard, given `smtp://host:port`: the SMTP server is a user-supplied host. */
  assertAllowed: (url: string) => Promise<void>;
}): ChannelAdapter {
  async function checkDestination(host: string, port: number) {
    try {
      await options.assertAllowed(`smtp://${isIP(host) === 6 ? `[${host}]` : host}:${port}`);
    } catch (error) {
      if (!(error instanceof OutboundBlockedError)) throw smtpSendErrorOf(error);
      throw new ChannelSendError('email_smtp_blocked', error.message, { retryable: false, cause: error });
    }
  }

  return {
    kind: 'email',
    settingsSchema: emailSettingsSchema,
    credentialsSchema: emailCredentialsSchema,

    inboundAddress: (settings) => String(settings.address).toLowerCase(),

    replyTarget(taskData, settings) {
      const data = emailTaskDataSchema.parse(taskData);
      const to = data.reply_to ?? data.from;
      if (!to || data.auto_submitted) return null;
      // Mail from the channel itself (its reply copied back to it) is never answered.
      const own = [settings.address, settings.from_address].map((address) => String(address).toLowerCase());
      if (own.includes(to.toLowerCase())) return null;
      const references = (data.references ?? []).filter((value) => messageId.safeParse(value).success);
      return {
        to,
        subject: data.subject ?? '',
        message_id: data.message_id ?? null,
        references: references as string[],
      };
    },

    async send(reply, signal) {
      const settings = emailSettingsSchema.parse(reply.channel.settings);
      const credentials = emailCredentialsSchema.parse(reply.channel.credentials);
      const target = replyTargetSchema.parse(reply.target);
      const { host, port, secure, require_tls: requireTls } = settings.smtp;
      await checkDestination(host, port);
      const fromAddress = settings.from_address ?? settings.address;
      const replyId = replyMessageId(reply.channel.id, reply.idempotencyKey, fromAddress);
      // A transport per reply: without a pool nodemailer opens a connection per message anyway,
      // and the channel's settings are read fresh each time.
      const transport = nodemailer.createTransport({
        host,
        port,
        secure,
        requireTLS: requireTls,
        ...(credentials.smtp_username
          ? { auth: { user: credentials.smtp_username, pass: credentials.smtp_password ?? '' } }
          : {}),
        // Servers that check the client's EHLO name want a domain, not a container's host name.
        name: fromAddress.slice(fromAddress.lastIndexOf('@') + 1),
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        greetingTimeout: GREETING_TIMEOUT_MS,
        socketTimeout: SOCKET_TIMEOUT_MS,
        dnsTimeout: DNS_TIMEOUT_MS,
      });
      try {
        await transport.sendMail({
          from: settings.from_name ? { name: settings.from_name, address: fromAddress } : fromAddress,
          to: target.to,
          subject: replySubject(target.subject),
          text: reply.body.text,
          messageId: replyId,
          ...(target.message_id ? { inReplyTo: target.message_id } : {}),
          references: threadReferences(target.references, target.message_id),
          headers: { 'Auto-Submitted': 'auto-replied' },
          signal,
        });
        return { externalId: replyId };
      } catch (error) {
        throw smtpSendErrorOf(error);
      } finally {
        transport.close();
      }
    },
  };
}
