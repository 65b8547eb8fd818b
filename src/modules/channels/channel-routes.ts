import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  channelListView,
  channelView,
  createChannelBody,
  listChannelsQuery,
  updateChannelBody,
} from './channel-schemas.ts';
import type { ChannelService } from './channel-service.ts';

/** Channels: agents bound to Slack, email addresses and signed webhooks (docs/channels.md). */
export const channelRoutes =
  (channels: ChannelService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['channels'], security: bearerSecurity };
    // A channel routes an organization's inbound traffic to an agent of any project.
    const manage = guard('channels:manage', { organizationWide: true });
    const errors = { 404: errorBodySchema, 409: errorBodySchema, ...standardErrorResponses };

    app.post(
      '/channels',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'createChannel',
          summary: 'Bind an agent to Slack, an email address or a signed webhook',
          description:
            'Settings and credentials are validated per kind (docs/channels.md); credentials are stored ' +
            'encrypted and never returned. 409 for a name (or an email address) already used.',
          body: createChannelBody,
          response: { 201: channelView, ...errors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await channels.create(principalOf(request), request.body)),
    );

    app.get(
      '/channels',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'listChannels',
          summary: 'The organization’s channels (filters agent_id, kind); X-Total-Count holds the total',
          querystring: listChannelsQuery,
          response: { 200: channelListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, agent_id, kind } = request.query;
        const { items, total } = await channels.list(
          principalOf(request),
          { agentId: agent_id, kind },
          { limit, offset },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/channels/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'getChannel',
          summary: 'A channel (the names of its secrets, never their values)',
          params: idParams,
          response: { 200: channelView, ...errors },
        },
      },
      async (request) => channels.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/channels/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'updateChannel',
          summary: 'Change a channel: name, agent, enabled, priority, settings or secrets',
          params: idParams,
          body: updateChannelBody,
          response: { 200: channelView, ...errors },
        },
      },
      async (request) => channels.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/channels/:id',
      {
        onRequest: manage,
        schema: {
          ...common,
          operationId: 'deleteChannel',
          summary: 'Delete a channel: it receives nothing more and its unsent replies are dropped',
          params: idParams,
          response: { 204: z.null().describe('Deleted'), ...errors },
        },
      },
      async (request, reply) => {
        await channels.remove(principalOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
