import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, type Principal, principalOf } from '../tenancy/index.ts';
import type { ListTasksQuery, TaskStatsView } from './task-schemas.ts';
import {
  createTaskBody,
  listOrganizationTasksQuery,
  listTasksQuery,
  taskDetailView,
  taskListView,
  taskParams,
  taskStatsView,
  taskView,
} from './task-schemas.ts';
import type { TaskService } from './task-service.ts';

const filtersOf = (query: ListTasksQuery, agentId: string | undefined, projectId?: string) => ({
  agentId,
  projectId,
  status: query.status,
  taskType: query.task_type,
  source: query.source,
  priorityMin: query.priority_min,
  priorityMax: query.priority_max,
  sort: query.sort,
  order: query.order,
});

/** Agents' autonomous tasks (seed 000 phase 4) and the organization's queue. */
export const taskRoutes =
  (
    tasks: TaskService,
    stats: (principal: Principal) => Promise<TaskStatsView>,
    guard: AccessGuard,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['tasks'], security: bearerSecurity };
    const read = guard('agents:read');
    const execute = guard('agents:execute');
    const notFound = { 404: errorBodySchema };
    const conflict = { 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/agents/:id/tasks',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'createAgentTask',
          summary: 'Create a task for the agent (pending, or queued with `queue: true`)',
          description:
            'A task runs as a turn of the agent (trigger `task`) once queued, by priority (1 first). An ' +
            '`idempotency_key` used before for this agent answers 200 with the task it created.',
          params: idParams,
          body: createTaskBody,
          response: { 200: taskView, 201: taskView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { created, task } = await tasks.create(principalOf(request), request.params.id, request.body);
        return reply.code(created ? 201 : 200).send(task);
      },
    );

    app.get(
      '/agents/:id/tasks',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentTasks',
          summary: 'The agent’s tasks: filters status, task_type, source, priority range; sorted; paginated',
          description: 'Newest first unless `sort`/`order` say otherwise. X-Total-Count holds the total.',
          params: idParams,
          querystring: listTasksQuery,
          response: { 200: taskListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset } = request.query;
        const filters = filtersOf(request.query, request.params.id);
        const { items, total } = await tasks.list(principalOf(request), filters, { limit, offset }, true);
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agents/:id/tasks/:task_id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentTask',
          summary: 'A task with its attempts, result or error, run and actions',
          params: taskParams,
          response: { 200: taskDetailView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => tasks.get(principalOf(request), request.params.id, request.params.task_id),
    );

    const transitions = [
      ['queue', 'queueAgentTask', 'Queue a pending task; answers it with its queue_job_id (celery_task_id)'],
      ['cancel', 'cancelAgentTask', 'Cancel a task that has not ended; a running one is stopped'],
      ['retry', 'retryAgentTask', 'Queue a dead or failed task again, with all its attempts'],
    ] as const;
    for (const [action, operationId, summary] of transitions) {
      app.post(
        `/agents/:id/tasks/:task_id/${action}`,
        {
          onRequest: execute,
          schema: {
            ...common,
            operationId,
            summary,
            description: `409 task_not_${action === 'queue' ? 'queueable' : action === 'cancel' ? 'cancellable' : 'retryable'} when the task's status does not allow it.`,
            params: taskParams,
            response: { 200: taskView, ...conflict, ...standardErrorResponses },
          },
        },
        async (request) => tasks[action](principalOf(request), request.params.id, request.params.task_id),
      );
    }

    app.get(
      '/tasks',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listTasks',
          summary: 'The organization’s tasks, with the same filters, agent_id and project_id',
          querystring: listOrganizationTasksQuery,
          response: { 200: taskListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, agent_id, project_id } = request.query;
        const filters = filtersOf(request.query, agent_id, project_id);
        const { items, total } = await tasks.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/tasks/stats',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getTaskStats',
          summary:
            'The queue at a glance: counts by status and priority, depth, oldest wait, recent outcomes',
          response: { 200: taskStatsView, ...standardErrorResponses },
        },
      },
      async (request) => stats(principalOf(request)),
    );
  };
