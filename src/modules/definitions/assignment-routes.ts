import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { disconnectSignal } from '../../platform/http/server-sent-events.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import type { AssignmentExecution } from './assignment-execution.ts';
import {
  agentAssignmentsQuery,
  assignmentListView,
  assignmentPairParams,
  assignmentView,
  createAssignmentBody,
  executeAssignmentBody,
  executionResultView,
  listAssignmentsQuery,
  updateAssignmentBody,
} from './assignment-schemas.ts';
import type { AssignmentService } from './assignment-service.ts';

const executionErrors = {
  400: errorBodySchema.describe(
    'The assignment, its task definition or its agent is inactive, or the agent’s provider cannot run',
  ),
  404: errorBodySchema,
  502: errorBodySchema.describe(
    'schema_validation_failed: the answer did not match response_schema after one repair (details.raw_answer); or the provider failed',
  ),
  503: errorBodySchema.describe('The provider is unavailable, or the server shut down; see Retry-After'),
  504: errorBodySchema.describe('The turn ran past the agent’s timeout_seconds'),
};

/** Agent-task assignments (seed 003 section 5; DESIGN section 9 paths) and their execution. */
export const assignmentRoutes =
  (
    assignments: AssignmentService,
    execution: AssignmentExecution,
    guard: AccessGuard,
  ): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['task-definitions'], security: bearerSecurity };
    const read = guard('agents:read');
    const write = guard('agents:write');
    const notFound = { 404: errorBodySchema };

    app.post(
      '/agents/:id/assignments',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'createAgentAssignment',
          summary: 'Assign a task definition to the agent',
          description:
            'Both must be of your organization (403 for another’s, 404 for an unknown one). 409 ' +
            'task_definition_already_assigned when the agent holds an assignment of it. `task_id` (seed 003) ' +
            'is accepted for `task_definition_id`.',
          params: idParams,
          body: createAssignmentBody,
          response: {
            201: assignmentView,
            404: errorBodySchema,
            409: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await assignments.create(principalOf(request), request.params.id, request.body)),
    );

    app.get(
      '/agents/:id/assignments',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAgentAssignments',
          summary: 'The agent’s assignments, newest first, with names and provider',
          description: 'Paginated with limit/offset; X-Total-Count holds the total.',
          params: idParams,
          querystring: agentAssignmentsQuery,
          response: { 200: assignmentListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, active_only } = request.query;
        const { items, total } = await assignments.listOfAgent(
          principalOf(request),
          request.params.id,
          active_only,
          {
            limit,
            offset,
          },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.delete(
      '/agents/:id/assignments/:task_definition_id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'deleteAgentAssignment',
          summary: 'Unassign a task definition from the agent',
          description:
            'Runs made under the assignment keep naming it. 404 when the agent holds no assignment of it.',
          params: assignmentPairParams,
          response: { 204: z.null().describe('Unassigned'), ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        await assignments.unassign(
          principalOf(request),
          request.params.id,
          request.params.task_definition_id,
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/assignments',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listAssignments',
          summary:
            'The organization’s assignments with details: agent_name, task_name, provider_name, provider_type',
          description:
            'Newest first; filters active_only, agent_id, task_definition_id, project_id. X-Total-Count holds the total.',
          querystring: listAssignmentsQuery,
          response: { 200: assignmentListView, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, active_only, agent_id, task_definition_id, project_id } = request.query;
        const filters = {
          activeOnly: active_only,
          agentId: agent_id,
          taskDefinitionId: task_definition_id,
          projectId: project_id,
        };
        const { items, total } = await assignments.list(principalOf(request), filters, { limit, offset });
        reply.header('x-total-count', String(total));
        return items;
      },
    );

    app.get(
      '/assignments/:id',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'getAssignment',
          summary: 'An assignment with details',
          params: idParams,
          response: { 200: assignmentView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) => assignments.get(principalOf(request), request.params.id),
    );

    app.patch(
      '/assignments/:id',
      {
        onRequest: write,
        schema: {
          ...common,
          operationId: 'updateAssignment',
          summary: 'Activate or deactivate an assignment',
          params: idParams,
          body: updateAssignmentBody,
          response: { 200: assignmentView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request) =>
        assignments.setActive(principalOf(request), request.params.id, request.body.is_active),
    );

    app.post(
      '/assignments/:id/execute',
      {
        onRequest: guard('agents:execute'),
        config: { rateClass: 'execution' },
        schema: {
          ...common,
          operationId: 'executeAssignment',
          summary: 'Run the assigned task on one input: the answer is the object response_schema describes',
          description:
            'A turn of the agent (a run with trigger `api`, no session) told the definition’s instructions; ' +
            'its answer is validated against response_schema, with one repair attempt. The run’s ' +
            '`input.metadata` names the assignment and the task definition version it used. 400 ' +
            'assignment_inactive / task_definition_inactive / agent_inactive; 502 schema_validation_failed ' +
            'with `details.problems` and `details.raw_answer`.',
          params: idParams,
          body: executeAssignmentBody,
          response: { 200: executionResultView, ...executionErrors, ...standardErrorResponses },
        },
      },
      async (request, reply) =>
        execution.execute(principalOf(request), request.params.id, request.body, {
          signal: disconnectSignal(reply),
        }),
    );

    app.get(
      '/task-definitions/:id/agents',
      {
        onRequest: read,
        schema: {
          ...common,
          operationId: 'listTaskDefinitionAgents',
          summary: 'The assignments of a task definition: the agents it is assigned to',
          description: 'Newest first; active_only; X-Total-Count holds the total.',
          params: idParams,
          querystring: agentAssignmentsQuery,
          response: { 200: assignmentListView, ...notFound, ...standardErrorResponses },
        },
      },
      async (request, reply) => {
        const { limit, offset, active_only } = request.query;
        const { items, total } = await assignments.listOfDefinition(
          principalOf(request),
          request.params.id,
          active_only,
          { limit, offset },
        );
        reply.header('x-total-count', String(total));
        return items;
      },
    );
  };
