import type { FastifyInstance } from 'fastify';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { OutboundBlockedError, type OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import type { TaskEndListener, TaskService } from '../tasks/index.ts';
import type { AccessGuard, Principal } from '../tenancy/index.ts';
import { channelInbox } from './channel-inbox.ts';
import { channelReplyJob, queueChannelReply } from './channel-replies.ts';
import { channelRoutes } from './channel-routes.ts';
import { type ChannelAdapters, createChannelService } from './channel-service.ts';
import type { ChannelKind } from './channel-tables.ts';
import { emailAdapter } from './email-adapter.ts';
import { type EmailListener, startEmailListener } from './email-listener.ts';
import { slackAdapter } from './slack-adapter.ts';
import { slackEventsRoutes } from './slack-events-routes.ts';
import { webhookAdapter } from './webhook-adapter.ts';
import { webhookInboundRoutes } from './webhook-inbound-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The SMTP listener of email channels, started by processes that serve the API. */
    mailListener: {
      /** Starts it when EMAIL_SMTP_PORT is set; its port, or null when it does not run. */
      start(): Promise<number | null>;
    };
  }
}

export interface ChannelsOptions {
  db: Database;
  guard: AccessGuard;
  queue: JobQueue;
  jobs: JobRegistry;
  events: Pick<EventPublisher, 'publish'>;
  secretKey: Buffer;
  outbound: OutboundGuard;
  tasks: Pick<TaskService, 'receive'>;
  onTaskEnded: (listener: TaskEndListener) => void;
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  /** The SMTP listener's settings; `smtpPort` null: no listener. */
  email: { smtpPort: number | null; smtpHost: string; maxMessageBytes: number };
}

/** The outbound destinations a channel's settings name, checked by the outbound guard when written. */
function destinationsOf(kind: ChannelKind, settings: Record<string, unknown>): string[] {
  if (kind === 'slack') return [String(settings.api_base_url)];
  if (kind === 'webhook') return settings.outbound_url ? [String(settings.outbound_url)] : [];
  const smtp = settings.smtp as { host: string; port: number };
  return [`smtp://${smtp.host.includes(':') ? `[${smtp.host}]` : smtp.host}:${smtp.port}`];
}

/**
 * Channels (issue 10, docs/channels.md): Slack, email and signed webhooks feed an agent's tasks,
 * and each task's answer goes back once through the channel it came from. The SMTP listener runs
 * in processes that serve the API (the server starts it once the API listens).
 */
export async function registerChannels(app: FastifyInstance, options: ChannelsOptions) {
  const assertAllowed = (url: string) => options.outbound.assertAllowed(url);
  const adapters: ChannelAdapters = {
    slack: slackAdapter({ assertAllowed, fetch: options.outbound.fetch }),
    email: emailAdapter({ assertAllowed }),
    webhook: webhookAdapter({ fetch: options.outbound.fetch }),
  };
  const service = createChannelService({
    db: options.db,
    secretBox: createSecretBox(options.secretKey),
    adapters,
    requireAgent: options.requireAgent,
    checkSettings: async (kind, settings) => {
      for (const destination of destinationsOf(kind, settings)) {
        try {
          await assertAllowed(destination);
        } catch (error) {
          // A name that does not resolve now cannot point anywhere forbidden now; every send
          // checks it again. Only a refusal is the caller's mistake.
          if (error instanceof OutboundBlockedError) throw error;
        }
      }
    },
  });
  const inbox = channelInbox(options.tasks);
  await app.register(channelRoutes(service, options.guard), { prefix: '/api/v1' });
  await app.register(slackEventsRoutes({ findChannel: (id) => service.forInbound(id, 'slack'), inbox }), {
    prefix: '/api/v1',
  });
  await app.register(
    webhookInboundRoutes((id) => service.forInbound(id, 'webhook'), inbox),
    { prefix: '/api/v1' },
  );
  options.onTaskEnded(queueChannelReply(adapters, options.queue));
  options.jobs.add(channelReplyJob({ db: options.db, adapters, events: options.events, open: service.open }));

  let listener: EmailListener | undefined;
  app.decorate('mailListener', {
    async start() {
      const { smtpPort } = options.email;
      if (smtpPort === null) return null;
      listener ??= await startEmailListener({
        host: options.email.smtpHost,
        port: smtpPort,
        maxMessageBytes: options.email.maxMessageBytes,
        findChannelByAddress: service.forAddress,
        inbox,
        log: app.log,
      });
      return listener.port;
    },
  });
  app.addHook('onClose', async () => {
    await listener?.close();
  });
}
