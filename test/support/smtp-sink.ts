import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import nodemailer, { type SendMailOptions, type SMTPSentMessageInfo } from 'nodemailer';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  /** Who logged in (AUTH) to send it. */
  user: string | null;
  raw: Buffer;
  parsed: ParsedMail;
  /** `parsed.references` as a list. */
  references: string[];
}

export interface SmtpSink {
  port: number;
  /** The messages accepted so far, in order. */
  messages: ReceivedMail[];
  /** Messages answered with a failure so far. */
  refused: number;
  /** Answers the next `count` messages with `code` (451 by default: try again later) after reading them. */
  failNext(count: number, code?: number): void;
  /** Resolves once `count` messages were accepted; throws after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A mail server on 127.0.0.1 for Agentry's replies: accepts every message (unless told to fail
 * some), parses it and keeps it for assertions. Plain SMTP without STARTTLS; AUTH (over the plain
 * connection) only when given `credentials`, which it then requires.
 */
export async function startSmtpSink(
  options: { credentials?: { username: string; password: string } } = {},
): Promise<SmtpSink> {
  const { credentials } = options;
  const messages: ReceivedMail[] = [];
  let failures: { remaining: number; code: number } = { remaining: 0, code: 451 };
  let refused = 0;

  const server = new SMTPServer({
    authOptional: !credentials,
    allowInsecureAuth: true,
    disabledCommands: credentials ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const valid = auth.username === credentials?.username && auth.password === credentials?.password;
      if (valid) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('end', () => {
        if (failures.remaining > 0) {
          failures = { ...failures, remaining: failures.remaining - 1 };
          refused++;
          callback(
            Object.assign(new Error('Sink told to fail this message'), { responseCode: failures.code }),
          );
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
        };
        simpleParser(raw).then(
          (parsed) => {
            const references = parsed.references === undefined ? [] : [parsed.references].flat();
            messages.push({ envelope, user: session.user ?? null, raw, parsed, references });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    messages,
    get refused() {
      return refused;
    },
    failNext(count, code = 451) {
      failures = { remaining: count, code };
    },
    async waitForMessages(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`SMTP sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Sends `message` over SMTP to a listener on 127.0.0.1 (Agentry's), as another mail server
 * would; rejects with nodemailer's error (its `responseCode` is the listener's answer).
 */
export async function sendMail(port: number, message: SendMailOptions): Promise<SMTPSentMessageInfo> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 10_000,
  });
  try {
    return await transport.sendMail(message);
  } finally {
    transport.close();
  }
}
