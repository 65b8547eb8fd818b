import { isDeepStrictEqual } from 'node:util';
import { type SecretBox, SecretBoxError } from '../../platform/crypto/secret-box.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation } from '../../platform/db/errors.ts';
import { isUuid, uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { OutboundGuard } from '../../platform/http/outbound-guard.ts';
import type { JsonSchemaObject } from '../../platform/llm/json-schema-validator.ts';
import type { ServicePolicy } from '../../platform/resilience/service-policy.ts';
import type { Principal } from '../tenancy/index.ts';
import { checkHttpRequest, checkReachable } from './http-tool-rules.ts';
import type { StoredTools } from './stored-tools.ts';
import type { ToolCatalogue } from './tool-catalogue.ts';
import { announceTool, TOOL_EVENTS } from './tool-events.ts';
import { assertInputSchema, assertRequestArguments, EMPTY_INPUT_SCHEMA } from './tool-input.ts';
import * as repository from './tool-repository.ts';
import type {
  CreateToolBody,
  ListToolsQuery,
  ToolTestView,
  ToolView,
  UpdateToolBody,
} from './tool-schemas.ts';
import { sealSecretHeaders } from './tool-secrets.ts';
import type { HttpToolRequest } from './tool-tables.ts';
import { toBuiltinToolView, toToolView } from './tool-views.ts';

const nameTaken = (name: string) =>
  new ConflictError(
    'tool_name_taken',
    `The organization already has a tool named ${name} (names ignore case)`,
  );

const builtinReadOnly = (name: string) =>
  new ConflictError(
    'builtin_tool_read_only',
    `${name} is a built-in tool: it cannot be changed, deleted or run on its own (agents use it by naming it)`,
  );

/** What an MCP server's tool takes through this API; the rest follows its server. */
const MCP_TOOL_FIELDS = new Set(['enabled', 'metadata']);

/** input_schema, or seed 004's `schema`; both only when they agree. */
function inputSchemaOf(body: {
  input_schema?: Record<string, unknown> | undefined;
  schema?: Record<string, unknown> | undefined;
}): { schema: Record<string, unknown>; field: string } | undefined {
  const { input_schema: inputSchema, schema } = body;
  if (inputSchema && schema && !isDeepStrictEqual(inputSchema, schema)) {
    throw new ValidationError('Conflicting values for one field', [
      { field: 'schema', message: 'conflicts with input_schema: send one of them' },
    ]);
  }
  if (inputSchema) return { schema: inputSchema, field: 'input_schema' };
  if (schema) return { schema, field: 'schema' };
  return undefined;
}

/** An organization's tools: its HTTP tools, its MCP servers' tools, and the built-in ones beside them. */
export function createToolService(options: {
  db: Database;
  secretBox: SecretBox;
  outbound: Pick<OutboundGuard, 'assertAllowed'>;
  events: Pick<EventPublisher, 'publish'>;
  catalogue: ToolCatalogue;
  stored: StoredTools;
  /** The server's tool policy (settings.resilience), shown under each HTTP tool's own settings. */
  defaults: ServicePolicy;
}) {
  const { db, catalogue } = options;
  const view = (row: repository.ToolRow) => toToolView(row, options.defaults);

  /** Passes a committed change's result on, once this process's tool cache forgot the old tools. */
  const changed =
    (principal: Principal) =>
    <T>(result: T): T => {
      options.stored.forget(principal.organizationId);
      return result;
    };

  async function requireTool(executor: Executor, principal: Principal, toolId: string) {
    return requireInScope(await repository.findTool(executor, principal, toolId), 'Tool', () =>
      repository.findToolOrganization(executor, toolId),
    );
  }

  async function requireLockedTool(tx: Executor, principal: Principal, toolId: string) {
    return requireInScope(await repository.lockTool(tx, principal, toolId), 'Tool', () =>
      repository.findToolOrganization(tx, toolId),
    );
  }

  async function findOffered(principal: Principal, name: string) {
    return (await catalogue.offeredTools(principal)).find(({ tool }) => tool.name === name);
  }

  /** A tool id that is not a UUID can only be a built-in tool's name: 409 when it is one, else 404. */
  async function refuseNonStored(principal: Principal, toolId: string): Promise<void> {
    if (isUuid(toolId)) return;
    if (await findOffered(principal, toolId)) throw builtinReadOnly(toolId);
    throw new NotFoundError('Tool');
  }

  /** A stored tool may not shadow a tool another module offers under the same name. */
  async function refuseOfferedName(principal: Principal, name: string) {
    const offered = (await catalogue.offeredTools(principal)).find(
      ({ tool }) => tool.name.toLowerCase() === name.toLowerCase(),
    );
    if (offered) {
      throw new ConflictError('tool_name_taken', `${offered.tool.name} is the name of a built-in tool`);
    }
  }

  const uniqueName = (name: string) => (error: unknown) => {
    throw isUniqueViolation(error) ? nameTaken(name) : error;
  };

  return {
    async create(principal: Principal, body: CreateToolBody): Promise<ToolView> {
      const given = inputSchemaOf(body);
      const inputSchema = given?.schema ?? EMPTY_INPUT_SCHEMA;
      if (given) assertInputSchema(given.schema, given.field);
      const { secret_headers: secretHeaders, ...request } = body.http;
      checkHttpRequest(request, { names: Object.keys(secretHeaders), values: secretHeaders }, inputSchema);
      await checkReachable(options.outbound, request.url_template);
      await refuseOfferedName(principal, body.name);
      const id = uuidv7();
      return db
        .transaction(async (tx) => {
          const row = await repository.insertTool(tx, {
            id,
            organizationId: principal.organizationId,
            name: body.name,
            description: body.description,
            kind: 'http',
            inputSchema,
            enabled: body.enabled,
            metadata: body.metadata,
            http: request,
            ...sealSecretHeaders(options.secretBox, id, secretHeaders),
            retryConfig: body.retry_config,
            circuitBreakerConfig: body.circuit_breaker_config,
            createdByUserId: principal.userId,
            createdByApiKeyId: principal.apiKeyId,
          });
          await announceTool(options.events, tx, TOOL_EVENTS.created, row);
          return view(row);
        })
        .then(changed(principal), uniqueName(body.name));
    },

    /** The built-in tools first (they are few and the same for every organization), then the stored ones, newest first. */
    async list(principal: Principal, query: ListToolsQuery) {
      const { limit, offset, kind, enabled, mcp_server_id: mcpServerId, search } = query;
      const wantsBuiltin =
        (kind === undefined || kind === 'builtin') && enabled !== false && mcpServerId === undefined;
      const needle = search?.toLowerCase();
      const builtins = wantsBuiltin
        ? (await catalogue.offeredTools(principal))
            .filter(
              ({ tool }) =>
                !needle ||
                tool.name.toLowerCase().includes(needle) ||
                tool.description.toLowerCase().includes(needle),
            )
            .map(({ tool, providedBy }) => toBuiltinToolView(tool, providedBy))
        : [];
      const shown = builtins.slice(offset, offset + limit);
      if (kind === 'builtin') return { items: shown, total: builtins.length };
      const { rows, total } = await repository.listTools(
        db,
        principal,
        { kind, enabled, mcpServerId, search },
        { limit: limit - shown.length, offset: Math.max(0, offset - builtins.length) },
      );
      return { items: [...shown, ...rows.map(view)], total: builtins.length + total };
    },

    async get(principal: Principal, toolId: string): Promise<ToolView> {
      if (!isUuid(toolId)) {
        const offered = await findOffered(principal, toolId);
        if (!offered) throw new NotFoundError('Tool');
        return toBuiltinToolView(offered.tool, offered.providedBy);
      }
      return view(await requireTool(db, principal, toolId));
    },

    /** PATCH: the given fields change, the others stay; an MCP server's tool takes enabled and metadata only. */
    async update(principal: Principal, toolId: string, body: UpdateToolBody): Promise<ToolView> {
      await refuseNonStored(principal, toolId);
      const given = inputSchemaOf(body);
      if (given) assertInputSchema(given.schema, given.field);
      if (body.http?.url_template) await checkReachable(options.outbound, body.http.url_template);
      if (body.name) await refuseOfferedName(principal, body.name);
      return db
        .transaction(async (tx) => {
          const row = await requireLockedTool(tx, principal, toolId);
          if (row.kind === 'mcp') {
            const refused = Object.keys(body).filter((field) => !MCP_TOOL_FIELDS.has(field));
            if (refused.length > 0) {
              throw new ValidationError(
                'An MCP server’s tool takes only enabled and metadata: its name, description and schema come from its server',
                refused.map((field) => ({ field, message: 'cannot be changed on an MCP server’s tool' })),
              );
            }
          }
          const change: repository.ToolChange = {};
          if (body.name !== undefined && body.name !== row.name) change.name = body.name;
          if (body.description !== undefined) change.description = body.description;
          if (given) change.inputSchema = given.schema;
          if (body.enabled !== undefined) change.enabled = body.enabled;
          if (body.metadata !== undefined) change.metadata = body.metadata;
          if (body.retry_config !== undefined) change.retryConfig = body.retry_config;
          if (body.circuit_breaker_config !== undefined) {
            change.circuitBreakerConfig = body.circuit_breaker_config;
          }
          if (row.kind === 'http' && row.http) {
            const { secret_headers: secretHeaders, ...requestChange } = body.http ?? {};
            const request: HttpToolRequest = { ...row.http, ...requestChange };
            if (secretHeaders !== undefined) {
              Object.assign(change, sealSecretHeaders(options.secretBox, row.id, secretHeaders ?? {}));
            }
            checkHttpRequest(
              request,
              {
                names: secretHeaders === undefined ? row.secretHeaderNames : Object.keys(secretHeaders ?? {}),
                values: secretHeaders ?? undefined,
              },
              (change.inputSchema ?? row.inputSchema) as JsonSchemaObject,
            );
            if (body.http) change.http = request;
          }
          if (Object.keys(change).length === 0) return view(row);
          const updated = await repository.updateTool(tx, principal, row.id, change);
          await announceTool(options.events, tx, TOOL_EVENTS.updated, updated);
          return view(updated);
        })
        .then(changed(principal), uniqueName(body.name ?? ''));
    },

    /** Soft delete (then 404); agents naming the tool skip it, with a warning, from their next turn. */
    async remove(principal: Principal, toolId: string): Promise<void> {
      await refuseNonStored(principal, toolId);
      await db.transaction(async (tx) => {
        const row = await requireLockedTool(tx, principal, toolId);
        if (row.kind === 'mcp') {
          throw new ConflictError(
            'mcp_tool_not_deletable',
            `${row.name} comes from an MCP server: disable it (enabled: false), or delete or change its server`,
          );
        }
        await repository.softDeleteTool(tx, principal, row.id);
        await announceTool(options.events, tx, TOOL_EVENTS.deleted, row);
      });
      options.stored.forget(principal.organizationId);
    },

    /**
     * Runs a stored tool once, as a turn would (enabled or not): its result or the error the model
     * would read, either way with the time it took. Arguments that do not fit its schema are a 422.
     */
    async test(
      principal: Principal,
      toolId: string,
      args: Record<string, unknown>,
      signal: AbortSignal,
    ): Promise<ToolTestView> {
      await refuseNonStored(principal, toolId);
      const row = await requireTool(db, principal, toolId);
      assertRequestArguments(row.inputSchema, args);
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
      try {
        const result = await options.stored.run(principal, row, args, signal);
        return { success: true, result, duration_ms: took() };
      } catch (error) {
        // A stored secret that does not open is Agentry's fault, not the tool's.
        if (error instanceof SecretBoxError) throw error;
        return {
          success: false,
          error: error instanceof Error ? error.message : String(error),
          duration_ms: took(),
        };
      }
    },
  };
}

export type ToolService = ReturnType<typeof createToolService>;
