import { createHash } from 'node:crypto';
import {
  type AddressObject,
  type EmailAddress,
  type HeaderValue,
  type ParsedMail,
  simpleParser,
} from 'mailparser';
import type { InboundMessage } from './channel-contract.ts';

/** The text an email task keeps of a message body (the webhook channel's cap as well). */
export const EMAIL_TEXT_MAX_CHARS = 100_000;
/** A Message-ID longer than this is replaced by its hash as the task's external id. */
const EXTERNAL_ID_MAX_CHARS = 200;

function addressesOf(field: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => object.value.flatMap((entry) => entry.group ?? [entry]));
}

function plainAddresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return addressesOf(field).flatMap((entry) => (entry.address ? [entry.address] : []));
}

function headerText(value: HeaderValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') {
    return value.value;
  }
  return '';
}

/**
 * Mail an automatic responder must not answer (RFC 3834): bounces (an empty envelope sender),
 * `Auto-Submitted` other than `no` (vacation notices, other agents' replies) and bulk or list
 * mail. Answering those is how two responders end up mailing each other forever.
 */
function isAutomated(headers: Map<string, HeaderValue>, envelopeSender: string | null): boolean {
  const autoSubmitted = headerText(headers.get('auto-submitted')).trim().toLowerCase();
  const precedence = headerText(headers.get('precedence')).trim().toLowerCase();
  return (
    !envelopeSender ||
    (autoSubmitted !== '' && !autoSubmitted.startsWith('no')) ||
    ['bulk', 'junk', 'list'].includes(precedence)
  );
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const parserOptions = { skipTextToHtml: true, skipImageLinks: true };

/**
 * The message's text, else its HTML as text. mailparser converts HTML only when it is the whole
 * message or sits beside a text part; HTML beside attachments alone is converted here as a
 * message of its own, with mailparser's limits on size and nesting.
 */
async function bodyText(mail: ParsedMail): Promise<string> {
  if (mail.text?.trim() || !mail.html) return mail.text ?? '';
  const htmlOnly = await simpleParser(
    `Content-Type: text/html; charset=utf-8\r\n\r\n${mail.html}`,
    parserOptions,
  );
  return htmlOnly.text ?? '';
}

/**
 * The task an email becomes: its text (the plain part, else its HTML as text; attachments are
 * listed, not kept), who sent it and to whom, and the headers that thread the reply to it.
 * `envelopeSender` is the SMTP `MAIL FROM` address, empty for bounces.
 */
export async function inboundEmail(raw: Buffer, envelopeSender: string | null): Promise<InboundMessage> {
  const mail = await simpleParser(raw, parserOptions);
  const sender = addressesOf(mail.from)[0];
  const references = mail.references === undefined ? [] : [mail.references].flat();
  const messageId = mail.messageId ?? null;
  const inReplyTo = mail.inReplyTo ?? null;
  const text = (await bodyText(mail)).trim();
  const subject = mail.subject?.trim() ?? '';
  return {
    externalId:
      messageId && messageId.length <= EXTERNAL_ID_MAX_CHARS
        ? messageId
        : `sha256:${sha256(messageId ?? raw)}`,
    taskType: 'email',
    taskData: {
      // A mail with an empty body asks what its subject says.
      message: (text || subject).slice(0, EMAIL_TEXT_MAX_CHARS),
      from: sender?.address ?? envelopeSender ?? null,
      from_name: sender?.name || null,
      reply_to: plainAddresses(mail.replyTo)[0] ?? null,
      to: plainAddresses(mail.to),
      cc: plainAddresses(mail.cc),
      subject,
      message_id: messageId,
      in_reply_to: inReplyTo,
      references,
      thread_id: references[0] ?? inReplyTo ?? messageId,
      auto_submitted: isAutomated(mail.headers, envelopeSender),
      attachments: mail.attachments.map((attachment) => ({
        filename: attachment.filename ?? null,
        content_type: attachment.contentType,
        size_bytes: attachment.size,
      })),
    },
  };
}
