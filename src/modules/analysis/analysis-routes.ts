import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createRunBody,
  itemListView,
  listItemsQuery,
  listRunsQuery,
  runListView,
  runView,
} from './analysis-schemas.ts';
import type { AnalysisService } from './analysis-service.ts';

/** Analysis runs (seed 003 section 9): an assignment applied to a batch of items in the background. */
export const analysisRoutes =
  (runs: AnalysisService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['analysis'], security: bearerSecurity };
    const read = guard('agents:read');
    const execute = guard('agents:execute');
    const notFound = { 404: errorBodySchema };
    const conflict = { 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/analysis/runs',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'createAnalysisRun',
          summary: 'Create an analysis run of an assignment over inline items, a file, or a time window',
          description:
            'Answers 201 `pending`: the items are read from the source now (so that the run is reproducible) ' +
            'and `config_snapshot` pins the agent version, the task definition version and schema, the model ' +
            'and the options. Start it with POST /analysis/runs/{id}/start. 400 assignment_inactive, ' +
            'task_definition_inactive, agent_inactive, analysis_source_empty, analysis_source_too_large, ' +
            'analysis_source_invalid, analysis_batch_unsupported. Seed 003’s `agent_assignment_id` and flat ' +
            '`time_window_start`/`time_window_end` are accepted.',
          body: createRunBody,
          response: { 201: runView, 400: errorBodySchema, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(await runs.create(principalOf(request), request.body)),
    );

    app.get(
      '/analysis/runs',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAnalysisRuns',
          summary: 'The organization’s analysis runs, newest first, with progress and totals',
          description:
            'Filters assignment_id, agent_id, status; X-Total-Count holds the total. `item_errors` is listed by ' +
            'GET /analysis/runs/{id} only.',
          querystring: listRunsQuery,
          response: { 200: runListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, ...filters } = request.query;
        const { items, total } = await runs.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/analysis/runs/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAnalysisRun',
          summary:
            'An analysis run with its progress, proposal counts, tokens, cost, timings and item errors',
          params: idParams,
          response: { 200: runView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => runs.get(principalOf(request), request.params.id),
    );

    app.get(
      '/analysis/runs/:id/items',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAnalysisRunItems',
          summary: 'A run’s items in order, with their source, input, status, error, output and usage',
          description: 'Filter status (pending, completed, failed); X-Total-Count holds the total.',
          params: idParams,
          querystring: listItemsQuery,
          response: { 200: itemListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, status } = request.query;
        const { items, total } = await runs.items(principalOf(request), request.params.id, status, {
          limit,
          offset,
        });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.post(
      '/analysis/runs/:id/start',
      {
        onRequest: execute,
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'startAnalysisRun',
          summary: 'Start a pending run: 202 queued, processed in the background',
          description:
            'A job on the `analysis-runs` queue works through the items with `options.concurrency` turns at once ' +
            '(trigger `analysis`). A run already queued or running is answered as it is; 409 ' +
            'analysis_run_not_startable for an ended one.',
          params: idParams,
          response: { 202: runView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await runs.start(principalOf(request), request.params.id)),
    );

    app.post(
      '/analysis/runs/:id/cancel',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'cancelAnalysisRun',
          summary: 'Cancel a pending, queued or running run; its turns running stop',
          description: 'Proposals stored so far stay. 409 analysis_run_not_cancellable for an ended run.',
          params: idParams,
          response: { 200: runView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request) => runs.cancel(principalOf(request), request.params.id),
    );

    app.post(
      '/analysis/runs/:id/rerun',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'rerunAnalysisRun',
          summary: 'A new pending run over the same items with the same configuration snapshot',
          description:
            'Start it like any run. Its turns run at the snapshot’s agent version, whatever the agent’s ' +
            'current version: with the offline model it reproduces the original outputs.',
          params: idParams,
          response: { 201: runView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await runs.rerun(principalOf(request), request.params.id)),
    );
  };
