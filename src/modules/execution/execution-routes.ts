import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { disconnectSignal, eventStream } from '../../platform/http/server-sent-events.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import { chatBody, chatResponse } from './chat-schemas.ts';
import {
  type ExecuteBody,
  executeBody,
  executionResponse,
  previewBody,
  previewResponse,
  testBody,
  testResponse,
} from './execution-schemas.ts';
import type { ExecutionService } from './execution-service.ts';

const upstreamErrors = {
  400: errorBodySchema.describe('The agent or its provider cannot run (inactive, not validated, ...)'),
  404: errorBodySchema,
  502: errorBodySchema.describe('The model provider refused the request or answered unusably'),
  503: errorBodySchema.describe(
    'The provider is unavailable (retries exhausted or circuit open), or the server shut down before the turn finished (code shutdown); see Retry-After',
  ),
  504: errorBodySchema.describe('The turn ran past the agent’s timeout_seconds'),
};

const streamDescription = [
  'Server-Sent Events, one JSON object per event, its `type` repeated as the event name:',
  '`run-started` {run_id, session_id, model, provider}, then `text-delta` {text}, `tool-call` {id, name, input, origin}',
  'and `tool-result` {id, name, output, success, duration_ms, origin} as they happen, and last either `run-completed`',
  '(the execution result: usage, cost, message ids, suggestions) or `run-failed` {run_id, code, message}.',
  'Closing the connection cancels the turn. Errors before the run starts are ordinary JSON errors.',
].join(' ');

export const executionRoutes =
  (execution: ExecutionService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['execution'], security: bearerSecurity };
    const execute = guard('agents:execute');

    /** Runs the turn as an event stream; the run records a failure that happens mid-stream. */
    async function streamTurn(
      request: FastifyRequest,
      reply: FastifyReply,
      agentId: string,
      body: ExecuteBody,
    ) {
      const stream = eventStream(reply);
      try {
        await execution.execute(principalOf(request), agentId, body, {
          signal: disconnectSignal(reply),
          onEvent: (event) => stream.send(event.type, event),
        });
      } catch (error) {
        if (!stream.opened) throw error;
        request.log.warn({ err: error }, 'streamed turn failed');
      } finally {
        stream.end();
      }
      return reply;
    }

    app.post(
      '/agents/:id/execute',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'executeAgent',
          summary: 'Send a message to an agent and get its answer (a chat turn)',
          description: `Continues session_id or starts a session. With \`stream: true\` (default: the agent’s use_streaming) the answer is streamed instead: ${streamDescription}`,
          params: idParams,
          body: executeBody,
          response: { 200: executionResponse, ...upstreamErrors, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        if (await execution.wantsStream(principal, request.params.id, request.body.stream)) {
          return streamTurn(request, reply, request.params.id, request.body);
        }
        return execution.execute(principal, request.params.id, request.body, {
          signal: disconnectSignal(reply),
        });
      },
    );

    app.post(
      '/agents/:id/execute/stream',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'streamAgentExecution',
          summary: 'Send a message to an agent and stream its answer (Server-Sent Events)',
          description: streamDescription,
          params: idParams,
          body: executeBody,
          response: {
            200: {
              description: 'text/event-stream',
              content: { 'text/event-stream': { schema: z.string() } },
            },
            ...upstreamErrors,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => streamTurn(request, reply, request.params.id, request.body),
    );

    app.post(
      '/agents/:id/chat',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'chatWithAgent',
          summary: 'Seed 001’s interaction flow: send a message, get the answer with the thread’s state',
          description:
            'The same turn as POST /agents/{id}/execute (same errors), answered in seed 001’s shape and never ' +
            'streamed. `user_input` and `thread_id` are accepted for `message` and `session_id` (both names ' +
            'with different values: 422). `metadata.message_count` is the session’s message count after the ' +
            'turn (the agent’s greeting of a new session included); `metadata.memory_confidence` is the mean ' +
            'score (capped at 1) of the memories the turn’s context was given, 0 when none (docs/memory.md).',
          params: idParams,
          body: chatBody,
          response: { 200: chatResponse, ...upstreamErrors, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        execution.chat(principalOf(request), request.params.id, request.body, {
          signal: disconnectSignal(reply),
        }),
    );

    app.post(
      '/agents/:id/preview-context',
      {
        onRequest: guard('agents:read'),
        // It stores nothing: a read, however it is sent.
        config: { rateClass: 'reads' },
        schema: {
          ...common,
          operationId: 'previewAgentContext',
          summary: 'What the model would see for a message: system prompt, messages, token budget',
          description:
            'Assembles the context exactly as a turn would (docs/execution.md), without calling the model or storing anything.',
          params: idParams,
          body: previewBody,
          response: {
            200: previewResponse,
            400: errorBodySchema,
            404: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request) => execution.preview(principalOf(request), request.params.id, request.body),
    );

    app.post(
      '/agents/:id/test',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'testAgent',
          summary: 'Try an agent’s configuration with one prompt (no session)',
          description:
            'Refuses (400) when the agent’s provider is inactive or not validated. The run is recorded with trigger `test`.',
          params: idParams,
          body: testBody,
          response: { 200: testResponse, ...upstreamErrors, ...standardErrorResponses },
        },
      },
      async (request) => execution.test(principalOf(request), request.params.id, request.body.prompt),
    );
  };
