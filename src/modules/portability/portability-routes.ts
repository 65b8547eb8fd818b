import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { idParams } from '../../platform/http/common-schemas.ts';
import { errorBodySchema, standardErrorResponses } from '../../platform/http/error-body.ts';
import { contentDisposition } from '../knowledge/index.ts';
import { type AccessGuard, bearerSecurity, principalOf } from '../tenancy/index.ts';
import type { AgentExport } from './agent-export.ts';
import { AGENT_FILE_BODY_LIMIT, agentFileSchema } from './agent-file-format.ts';
import type { AgentImportFlow } from './agent-import-flow.ts';
import { exportQuery, importBody, importView } from './portability-schemas.ts';

/**
 * Agent files (docs/agent-export.md). `/agents/import` is a static path: Fastify's router picks it
 * before the parametric `/agents/:id`. Both need agents:write: a file holds all an agent is and
 * what its tools call, and it is made to create agents with.
 */
export const portabilityRoutes =
  (exports: AgentExport, imports: AgentImportFlow, guard: AccessGuard): FastifyPluginAsyncZod =>
  async (app) => {
    const common = { tags: ['agents'], security: bearerSecurity };

    app.get(
      '/agents/:id/export',
      {
        onRequest: guard('agents:write'),
        schema: {
          ...common,
          operationId: 'exportAgent',
          summary: 'Export an agent as an agent file (JSON), without ids of the organization or secrets',
          description:
            'The configuration, its own shared contexts and what its tools are; `include_versions=true` adds every ' +
            'version, `include_files=true` the attached files (base64; 413 agent_file_too_large past 25 MB in all). ' +
            'Providers are named by name and type, tools by name; no provider key, secret header value or MCP ' +
            'credential is ever written. Sent as an attachment named `<agent name>.agent.json`.',
          params: idParams,
          querystring: exportQuery,
          response: {
            200: agentFileSchema,
            404: errorBodySchema,
            413: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const { agent, file } = await exports.exportAgent(principalOf(request), request.params.id, {
          includeVersions: request.query.include_versions ?? false,
          includeFiles: request.query.include_files ?? false,
        });
        reply.header('content-disposition', contentDisposition(`${agent.name}.agent.json`));
        return file;
      },
    );

    app.post(
      '/agents/import',
      {
        onRequest: guard('agents:write'),
        bodyLimit: AGENT_FILE_BODY_LIMIT,
        config: { rateClass: 'uploads' },
        schema: {
          ...common,
          operationId: 'importAgent',
          summary:
            'Create an agent from an agent file (new ids; versions replayed; contexts and files included)',
          description:
            'The body is the file GET /agents/{id}/export answered, optionally with `overrides`. Every configuration ' +
            'is checked as a write is (422 naming the field, 400 prompt_rejected); format_version other than 1 is a ' +
            '422. Tools the organization lacks or has disabled are left out, providers are found by name (else by ' +
            'type), each with a warning. Files are screened as uploads (400, 413). Bodies up to 40 MB. Nothing is ' +
            'left behind when the import fails. The history records where the agent came from (agent_imported).',
          body: importBody,
          response: {
            201: importView,
            400: errorBodySchema,
            409: errorBodySchema,
            413: errorBodySchema,
            ...standardErrorResponses,
          },
        },
      },
      async (request, reply) => {
        const imported = await imports.importAgent(
          { principal: principalOf(request), ipAddress: request.ip ?? null },
          request.body,
        );
        return reply.code(201).send(imported);
      },
    );
  };
