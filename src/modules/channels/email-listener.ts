import type { AddressInfo } from 'node:net';
import type { BaseLogger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { ChannelInbox, ChannelRecord } from './channel-contract.ts';
import { inboundEmail } from './email-message.ts';

export interface EmailListenerOptions {
  host: string;
  /** 0 for a free port. */
  port: number;
  /** Larger messages are refused with 552 (and announced through the SIZE extension). */
  maxMessageBytes: number;
  /** The channel whose (lower-case) inbound address this is, if any. */
  findChannelByAddress: (address: string) => Promise<ChannelRecord | null>;
  inbox: ChannelInbox;
  log: Pick<BaseLogger, 'info' | 'warn' | 'error'>;
}

export interface EmailListener {
  port: number;
  /** Stops accepting; connections still open get a few seconds to finish their message. */
  close(): Promise<void>;
}

/** Recipients one message may have (452 beyond, and the sender tries the rest later). */
const MAX_RECIPIENTS = 50;
/** Connections at once (421 beyond, and senders retry): each may hold a message of up to the size limit. */
const MAX_CLIENTS = 50;
const SOCKET_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;

/** An SMTP reply: smtp-server answers an error with its `responseCode`. */
function reply(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

const temporaryFailure = () => reply(451, 'Temporary failure, please try again later');

/**
 * The SMTP server that receives mail for email channels: a message to a channel's address
 * becomes a queued task of the channel's agent. It is a final destination, never a relay:
 * recipients without an enabled email channel are refused at RCPT (550). Whenever Agentry cannot
 * take a message now (its database is unreachable), the answer is 451 and the sending server
 * tries again later; delivering the same message again creates no second task (the inbox keeps
 * one task per Message-ID and channel). No AUTH (senders are other mail servers) and no STARTTLS
 * (see docs/channels.md: terminate TLS in front of it if needed).
 */
export async function startEmailListener(options: EmailListenerOptions): Promise<EmailListener> {
  const { findChannelByAddress, inbox, log } = options;
  // The channels a transaction's recipients resolved to, by channel id: one task per channel even
  // when a message names a channel's address twice. smtp-server gives each transaction a new envelope.
  const recipients = new WeakMap<SMTPServerSession['envelope'], Map<string, ChannelRecord>>();

  async function acceptRecipient(address: string, session: SMTPServerSession): Promise<void> {
    let channel: ChannelRecord | null;
    try {
      channel = await findChannelByAddress(address.toLowerCase());
    } catch (error) {
      log.error({ err: error, session_id: session.id }, 'email recipient lookup failed');
      throw temporaryFailure();
    }
    if (!channel?.enabled || channel.kind !== 'email') {
      throw reply(550, `No mailbox here by that name: ${address}`);
    }
    const channels = recipients.get(session.envelope) ?? new Map<string, ChannelRecord>();
    channels.set(channel.id, channel);
    recipients.set(session.envelope, channels);
  }

  async function deliver(raw: Buffer, session: SMTPServerSession): Promise<string> {
    const channels = [...(recipients.get(session.envelope)?.values() ?? [])];
    const envelopeSender = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
    const message = await inboundEmail(raw, envelopeSender || null).catch((error: unknown) => {
      log.warn({ err: error, session_id: session.id }, 'unreadable email refused');
      throw reply(554, 'The message could not be read');
    });
    if (!message.taskData.message) throw reply(554, 'The message has neither text nor a subject');
    const taskIds: string[] = [];
    for (const channel of channels) {
      try {
        const { taskId, created } = await inbox(channel, message);
        log.info(
          { channel_id: channel.id, task_id: taskId, created, message_id: message.externalId },
          created ? 'email received' : 'email received again, task exists',
        );
        taskIds.push(taskId);
      } catch (error) {
        // The channels before this one have their task; the sender's retry finds them (no duplicates).
        log.error({ err: error, channel_id: channel.id, session_id: session.id }, 'email task not created');
        throw temporaryFailure();
      }
    }
    return `Queued as task ${taskIds.join(', ')}`;
  }

  function readMessage(stream: SMTPServerDataStream): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      // Past the limit the rest is drained, not kept.
      stream.on('data', (chunk: Buffer) => {
        if (!stream.sizeExceeded) chunks.push(chunk);
      });
      stream.once('error', reject);
      stream.once('end', () => resolve(stream.sizeExceeded ? null : Buffer.concat(chunks)));
    });
  }

  const server = new SMTPServer({
    banner: 'Agentry',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: options.maxMessageBytes,
    rejectOversized: true,
    maxRecipients: MAX_RECIPIENTS,
    maxClients: MAX_CLIENTS,
    disableReverseLookup: true,
    socketTimeout: SOCKET_TIMEOUT_MS,
    closeTimeout: CLOSE_TIMEOUT_MS,
    logger: false,
    onRcptTo(address, session, callback) {
      acceptRecipient(address.address, session).then(() => callback(), callback);
    },
    onData(stream, session, callback) {
      readMessage(stream)
        .then((raw) => {
          if (raw === null)
            throw reply(552, `Message exceeds the size limit of ${options.maxMessageBytes} bytes`);
          return deliver(raw, session);
        })
        .then(
          (accepted) => callback(null, accepted),
          (error: Error & { responseCode?: number }) =>
            callback(error.responseCode ? error : temporaryFailure()),
        );
    },
  });
  server.on('error', (error) => log.warn({ err: error }, 'email listener connection error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  log.info({ host: options.host, port }, 'email listener started');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
