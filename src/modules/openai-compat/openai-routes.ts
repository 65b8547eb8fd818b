import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeError } from '../../platform/http/error-description.ts';
import {
  openAiErrorBodySchema,
  openAiErrorResponses,
  toOpenAiErrorBody,
} from '../../platform/http/openai-error-body.ts';
import { disconnectSignal, eventStream } from '../../platform/http/server-sent-events.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import type { OpenAiCompatService } from './openai-compat-service.ts';
import { chatCompletion, chatCompletionBody, modelList, modelObject, modelParams } from './openai-schemas.ts';

const upstreamErrors = {
  400: openAiErrorBodySchema.describe('The agent cannot run (inactive, its context too large, ...)'),
  502: openAiErrorBodySchema.describe('The agent’s model provider refused the request or answered unusably'),
  503: openAiErrorBodySchema.describe('The provider is unavailable (retries exhausted or circuit open)'),
  504: openAiErrorBodySchema.describe('The turn ran past the agent’s timeout_seconds'),
};

const streamDescription = [
  'With `stream: true` the answer is Server-Sent Events without event names, as OpenAI sends them:',
  '`chat.completion.chunk` objects (the role first, then content deltas, then the finish_reason;',
  'with `stream_options.include_usage` a last chunk with the usage and no choices), then `data: [DONE]`.',
  'A failure after the stream started is sent as `data: {"error": {...}}`. Closing the connection',
  'cancels the turn (its run ends cancelled).',
].join(' ');

/** The OpenAI-compatible facade (docs/openai-compatible.md), registered under `/v1`. */
export const openAiRoutes =
  (service: OpenAiCompatService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['openai-compatible'], security: bearerSecurity };
    // An account that cannot execute agents has no use for them as models either.
    const execute = guard('agents:execute');

    app.get(
      '/models',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'listModels',
          summary: 'Your organization’s active agents, as OpenAI models',
          response: { 200: modelList, ...openAiErrorResponses },
        },
      },
      async (request) => ({ object: 'list' as const, data: await service.listModels(principalOf(request)) }),
    );

    app.get(
      '/models/:model',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'getModel',
          summary: 'One active agent as an OpenAI model, by id or exact name',
          params: modelParams,
          response: { 200: modelObject, ...openAiErrorResponses },
        },
      },
      async (request) => service.getModel(principalOf(request), request.params.model),
    );

    app.post(
      '/chat/completions',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'createChatCompletion',
          summary: 'Talk to an agent with an OpenAI client: a chat completion whose model is an agent',
          description: `The agent's configuration shapes the answer (instructions, tools, model, limits); the client's messages are the conversation and its system messages are appended to the agent's instructions. Every call is recorded as a run with trigger \`api\`. Unknown optional OpenAI fields are accepted and ignored. ${streamDescription}`,
          body: chatCompletionBody,
          response: {
            200: {
              description: 'A `chat.completion`, or with `stream: true` a text/event-stream of chunks',
              content: {
                'application/json': { schema: chatCompletion },
                'text/event-stream': { schema: z.string() },
              },
            },
            ...openAiErrorResponses,
            ...upstreamErrors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const signal = disconnectSignal(reply);
        if (!request.body.stream) return service.complete(principal, request.body, { signal });
        const stream = eventStream(reply);
        try {
          await service.complete(principal, request.body, {
            signal,
            onChunk: (chunk) => stream.sendData(chunk),
          });
          stream.sendData('[DONE]');
        } catch (error) {
          // Refused before the run started: an ordinary error response, through the error handler.
          if (!stream.opened) throw error;
          // The status line is already sent; OpenAI clients raise an error event as an APIError.
          stream.sendData(toOpenAiErrorBody(describeError(error)));
          request.log.warn({ err: error }, 'streamed chat completion failed');
        } finally {
          stream.end();
        }
        return reply;
      },
    );
  };
