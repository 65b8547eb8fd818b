import { z } from 'zod';
import { AppError } from '../../platform/http/errors.ts';
import type { ChannelAdapter } from './channel-contract.ts';
import { ChannelSendError } from './channel-send-error.ts';
import { webhookSignatureHeaders } from './webhook-signature.ts';

const settingsSchema = z
  .object({
    outbound_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Where each task’s result is POSTed (signed); none: results are only read through the API'),
    timeout_ms: z.int().min(100).max(60_000).default(10_000),
  })
  .strict();
type WebhookSettings = z.infer<typeof settingsSchema>;

const credentialsSchema = z
  .object({
    signing_secret: z.string().min(16).describe('Signs inbound requests (HMAC-SHA256)'),
    outbound_secret: z
      .string()
      .min(16)
      .optional()
      .describe('Signs outbound results; the signing secret when absent'),
  })
  .strict();
type WebhookCredentials = z.infer<typeof credentialsSchema>;

/** Statuses of a receiver worth another try: it is overloaded, limiting us, or briefly down. */
const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Signed webhooks: `POST /channels/{id}/inbound` creates tasks; each task's result is POSTed to
 * `outbound_url`, signed like the inbound requests, with the reply's idempotency key as
 * `Idempotency-Key` so that a receiver can drop a redelivery.
 */
export function webhookAdapter(options: {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}): ChannelAdapter {
  return {
    kind: 'webhook',
    settingsSchema,
    credentialsSchema,
    replyTarget: (_taskData, settings) => (settings.outbound_url ? { url: settings.outbound_url } : null),
    async send(reply, signal) {
      const settings: WebhookSettings = settingsSchema.parse(reply.channel.settings);
      const credentials: WebhookCredentials = credentialsSchema.parse(reply.channel.credentials);
      const body = JSON.stringify({
        event: reply.body.task_status === 'completed' ? 'task.completed' : 'task.dead',
        channel_id: reply.channel.id,
        agent_id: reply.channel.agentId,
        task_id: reply.body.task_id,
        status: reply.body.task_status,
        answer: reply.body.task_status === 'completed' ? reply.body.text : null,
        result: reply.body.result ?? null,
        idempotency_key: reply.idempotencyKey,
      });
      let response: Response;
      try {
        response = await options.fetch(String(reply.target.url), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': reply.idempotencyKey,
            ...webhookSignatureHeaders(credentials.outbound_secret ?? credentials.signing_secret, body),
          },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeout_ms)]),
        });
        await response.body?.cancel();
      } catch (error) {
        if (signal.aborted) throw error;
        // The outbound guard refused the address: sending again cannot help.
        if (error instanceof AppError) {
          throw new ChannelSendError(error.code, error.message, { retryable: false, cause: error });
        }
        throw new ChannelSendError('webhook_unreachable', 'The webhook receiver could not be reached', {
          retryable: true,
          cause: error,
        });
      }
      if (!response.ok) {
        throw new ChannelSendError('webhook_rejected', `The webhook receiver answered ${response.status}`, {
          retryable: retryableStatus(response.status),
          details: { status: response.status },
        });
      }
      return { externalId: String(response.status) };
    },
  };
}
