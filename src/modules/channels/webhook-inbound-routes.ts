import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { NotFoundError, UnauthorizedError } from '../../platform/http/errors.ts';
import type { ChannelInbox, ChannelRecord } from './channel-contract.ts';
import { inboundAcceptedView, webhookInboundBody } from './channel-schemas.ts';
import { keepRawJsonBodies, rawBodyOf } from './raw-json-body.ts';
import {
  isValidWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './webhook-signature.ts';

const signatureHeaders = z.object({
  [WEBHOOK_SIGNATURE_HEADER]: z
    .string()
    .optional()
    .describe('`sha256=<hex>`: HMAC-SHA256 of `{timestamp}.{raw body}`'),
  [WEBHOOK_TIMESTAMP_HEADER]: z
    .string()
    .optional()
    .describe('Unix seconds; within 5 minutes of the server’s clock'),
});

/**
 * A webhook channel's inbound endpoint: a signed request becomes a queued task. The sender is
 * authenticated by the channel's signing secret, not by a bearer token.
 */
export const webhookInboundRoutes =
  (
    findChannel: (channelId: string) => Promise<ChannelRecord | null>,
    inbox: ChannelInbox,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    keepRawJsonBodies(app);
    app.post(
      '/channels/:id/inbound',
      {
        schema: {
          tags: ['channels'],
          security: [],
          operationId: 'receiveWebhook',
          summary: 'A signed message for a webhook channel’s agent: it becomes a queued task',
          description:
            'Signed with the channel’s signing secret (docs/channels.md); 401 when the signature or ' +
            'timestamp is wrong. A second delivery with the same `id` answers 200 with the task it created.',
          params: idParams,
          headers: signatureHeaders,
          body: webhookInboundBody,
          response: {
            200: inboundAcceptedView,
            202: inboundAcceptedView,
            404: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const channel = await findChannel(request.params.id);
        if (!channel) throw new NotFoundError('Channel');
        const raw = rawBodyOf(request);
        const signed = isValidWebhookSignature(
          String(channel.credentials.signing_secret),
          {
            signature: request.headers[WEBHOOK_SIGNATURE_HEADER],
            timestamp: request.headers[WEBHOOK_TIMESTAMP_HEADER],
          },
          raw,
        );
        if (!signed)
          throw new UnauthorizedError(
            'The request signature is missing, wrong or too old',
            'invalid_signature',
          );
        const { message, data, id } = request.body;
        const accepted = await inbox(channel, {
          externalId: id ?? createHash('sha256').update(raw).digest('hex'),
          taskType: 'webhook',
          taskData: { message, ...(data ? { data } : {}), ...(id ? { delivery_id: id } : {}) },
        });
        return reply
          .code(accepted.created ? 202 : 200)
          .send({ task_id: accepted.taskId, created: accepted.created });
      },
    );
  };
