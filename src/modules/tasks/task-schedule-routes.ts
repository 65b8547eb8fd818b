import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import {
  createTaskScheduleBody,
  listTaskSchedulesQuery,
  taskScheduleListView,
  taskScheduleParams,
  taskScheduleView,
  updateTaskScheduleBody,
} from './task-schedule-schemas.ts';
import type { TaskScheduleService } from './task-schedule-service.ts';

/** Recurring tasks of an agent: a task template and a cron expression (docs/tasks.md). */
export const taskScheduleRoutes =
  (schedules: TaskScheduleService, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['tasks'], security: bearerSecurity };
    const read = guard('agents:read');
    const execute = guard('agents:execute');
    const notFound = { 404: errorBodySchema };
    const conflict = { 404: errorBodySchema, 409: errorBodySchema };

    app.post(
      '/agents/:id/task-schedules',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'createAgentTaskSchedule',
          summary: 'Create a recurring task: a task template run on a cron schedule',
          description:
            'Each occurrence of `cron` (five fields, read in `timezone`) queues one task of the template ' +
            '(source `schedule`), run as background work of the schedule’s creator. Occurrences missed while ' +
            'no worker ran are caught up by one task, not one per occurrence. 409 task_schedule_name_taken ' +
            'when the agent has a schedule of that name; 422 for a cron expression or time zone that is not valid.',
          params: idParams,
          body: createTaskScheduleBody,
          response: { 201: taskScheduleView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await schedules.create(principalOf(request), request.params.id, request.body)),
    );

    app.get(
      '/agents/:id/task-schedules',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentTaskSchedules',
          summary: 'The agent’s recurring tasks, newest first',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: listTaskSchedulesQuery,
          response: { 200: taskScheduleListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset } = request.query;
        const { items, total } = await schedules.list(principalOf(request), request.params.id, {
          limit,
          offset,
        });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/agents/:id/task-schedules/:schedule_id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAgentTaskSchedule',
          summary: 'A recurring task, with its next occurrence and the task it last created',
          params: taskScheduleParams,
          response: { 200: taskScheduleView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => schedules.get(principalOf(request), request.params.id, request.params.schedule_id),
    );

    app.patch(
      '/agents/:id/task-schedules/:schedule_id',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'updateAgentTaskSchedule',
          summary: 'Change a recurring task (partial)',
          description:
            'A new `cron`, `timezone` or `enabled` recomputes `next_run_at` from now; disabled, it is null. ' +
            'Template changes apply to the tasks created from then on.',
          params: taskScheduleParams,
          body: updateTaskScheduleBody,
          response: { 200: taskScheduleView, ...conflict, ...standardErrorResponses },
        },
      },
      async (request) =>
        schedules.update(principalOf(request), request.params.id, request.params.schedule_id, request.body),
    );

    app.delete(
      '/agents/:id/task-schedules/:schedule_id',
      {
        onRequest: execute,
        schema: {
          ...common,
          operationId: 'deleteAgentTaskSchedule',
          summary: 'Delete a recurring task; the tasks it created stay',
          params: taskScheduleParams,
          response: { 204: z.null().describe('Deleted'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await schedules.remove(principalOf(request), request.params.id, request.params.schedule_id);
        return reply.code(204).send(null);
      },
    );
  };
