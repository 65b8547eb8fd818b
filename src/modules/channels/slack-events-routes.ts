import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema } from '../../platform/http/error-body.ts';
import { UnauthorizedError } from '../../platform/http/errors.ts';
import type { ChannelInbox, ChannelRecord } from './channel-contract.ts';
import { keepRawJsonBodies, rawBodyOf } from './raw-json-body.ts';
import { slackEventAnswer, slackEventBody } from './slack-event-schemas.ts';
import { slackInboundMessage } from './slack-inbound.ts';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, verifySlackSignature } from './slack-signature.ts';

const isUuid = (value: unknown) => z.uuid().safeParse(value).success;
const headerOf = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Checks a request to a channel it cannot know (no such channel, disabled, not Slack) against a
 * secret no one has: the caller gets the answer a wrong signature gets, and learns nothing about
 * which channels exist.
 */
const NO_ONES_SECRET = randomBytes(32).toString('hex');

const refusals = {
  missing_headers: 'The request is not signed: X-Slack-Signature and X-Slack-Request-Timestamp are required',
  stale_timestamp: 'X-Slack-Request-Timestamp is more than 5 minutes away from this server’s clock',
  bad_signature: 'The signature does not match the signing secret of an enabled Slack channel at this URL',
} as const;

/**
 * Slack's Events API for one Slack channel (docs/channels.md): requests signed with the channel's
 * signing secret (401 `invalid_signature` otherwise), the URL handshake, and messages that become
 * the agent's tasks. Registered under /api/v1; Slack signs instead of presenting credentials.
 */
export const slackEventsRoutes =
  ({
    findChannel,
    inbox,
  }: {
    /** The channel with its opened credentials; null when there is none with this id. */
    findChannel: (channelId: string) => Promise<ChannelRecord | null>;
    inbox: ChannelInbox;
  }): FastifyPluginAsyncZod =>
  async (app) => {
    // The signature covers the bytes Slack sent, so the body is kept as received.
    keepRawJsonBodies(app);
    const verifiedChannels = new WeakMap<FastifyRequest, ChannelRecord>();

    /** Before the body is validated: an unsigned request learns nothing, not even a 422. */
    async function verifySignature(request: FastifyRequest) {
      const { id } = request.params as { id?: unknown };
      const found = isUuid(id) ? await findChannel(id as string) : null;
      const channel = found?.kind === 'slack' && found.enabled ? found : null;
      const secret = channel?.credentials.signing_secret;
      const check = verifySlackSignature({
        signingSecret: typeof secret === 'string' && secret !== '' ? secret : NO_ONES_SECRET,
        signature: headerOf(request, SLACK_SIGNATURE_HEADER),
        timestamp: headerOf(request, SLACK_TIMESTAMP_HEADER),
        rawBody: rawBodyOf(request),
      });
      if (!check.valid || !channel) {
        const reason = check.valid ? 'bad_signature' : check.reason;
        request.log.info({ reason }, 'Slack event refused');
        throw new UnauthorizedError(refusals[reason], 'invalid_signature');
      }
      verifiedChannels.set(request, channel);
    }

    app.post(
      '/channels/:id/slack/events',
      {
        preValidation: verifySignature,
        schema: {
          tags: ['channels'],
          operationId: 'receiveSlackEvent',
          summary: 'Slack’s Events API endpoint of a Slack channel (the app’s Request URL)',
          description:
            'Called by Slack, not by API clients: set it as the Request URL of the Slack app’s Event ' +
            'Subscriptions. Every request must carry a valid X-Slack-Signature made with the channel’s ' +
            'signing secret and an X-Slack-Request-Timestamp within 5 minutes (401 invalid_signature; ' +
            'the same answer for an unknown or disabled channel). `url_verification` is answered with its ' +
            'challenge. `message` and `app_mention` events from people become `slack_message` tasks of the ' +
            'channel’s agent, once per message however often Slack delivers it; bots’ messages, edits and ' +
            'deletions are acknowledged and ignored. The agent’s answer is posted in the message’s thread.',
          security: [],
          params: idParams,
          body: slackEventBody,
          response: {
            200: slackEventAnswer,
            400: errorBodySchema.describe('The body is not JSON'),
            401: errorBodySchema.describe(
              'Missing, stale or wrong Slack signature, or no enabled Slack channel',
            ),
            422: errorBodySchema.describe('A signed payload that is not an Events API payload'),
          },
        },
      },
      async (request) => {
        const channel = verifiedChannels.get(request) as ChannelRecord;
        const payload = request.body;
        if (payload.type === 'url_verification')
          return { ok: true as const, challenge: payload.challenge ?? '' };
        const botUserId = channel.settings.bot_user_id;
        const outcome = slackInboundMessage(payload, {
          bot_user_id: typeof botUserId === 'string' ? botUserId : undefined,
        });
        if ('ignored' in outcome) return { ok: true as const, ignored: outcome.ignored };
        const { taskId, created } = await inbox(channel, outcome.message);
        if (!created) {
          request.log.info(
            {
              channel_id: channel.id,
              task_id: taskId,
              slack_retry: headerOf(request, 'x-slack-retry-num') ?? null,
            },
            'Slack message delivered again; its task exists',
          );
        }
        return { ok: true as const, task_id: taskId, created };
      },
    );
  };
