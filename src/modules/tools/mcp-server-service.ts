import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Executor } from '../../platform/db/database.ts';
import { isUniqueViolation, violatedConstraint } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { ConflictError, ValidationError } from '../../platform/http/errors.ts';
import { type OutboundGuard, refuseBlockedUrl } from '../../platform/http/outbound-guard.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { Principal } from '../tenancy/index.ts';
import { MCP_CHECK_QUEUE, type McpCheckJobData } from './mcp-check-job.ts';
import { stdioRefusal } from './mcp-connection.ts';
import { normalizeAuthentication, sealAuthentication } from './mcp-credentials.ts';
import { announceServer, announceServerDeleted, MCP_SERVER_EVENTS } from './mcp-events.ts';
import * as repository from './mcp-repository.ts';
import type {
  CreateMcpServerBody,
  ListMcpServersQuery,
  McpServerView,
  UpdateMcpServerBody,
} from './mcp-schemas.ts';
import { listServersTools, softDeleteServerTools } from './mcp-tool-repository.ts';
import { discoveredFromRow, syncServerTools } from './mcp-tool-sync.ts';
import { toServerView } from './mcp-views.ts';
import type { McpAuthType, McpServerRow, McpTransport } from './tool-tables.ts';

function invalid(field: string, message: string): never {
  throw new ValidationError(`The MCP server is not valid: ${field} ${message}`, [{ field, message }]);
}

function conflictFrom(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  return violatedConstraint(error)?.startsWith('mcp_servers')
    ? new ConflictError('mcp_server_name_taken', 'The organization already has an MCP server with this name')
    : new ConflictError(
        'tool_name_taken',
        'A tool of the organization took one of this server’s tool names meanwhile',
      );
}

/** How a server is reached, as a request leaves it once merged with the stored server. */
interface TransportSettings {
  transport: McpTransport;
  endpoint: string | null;
  command: string | null;
  args: string[];
  authType: McpAuthType;
}

/** The organization's MCP servers: their configuration, sealed credentials and checks. */
export function createMcpServerService({
  db,
  queue,
  secretBox,
  outboundGuard,
  allowedCommands,
  events,
  onChanged,
}: {
  db: Database;
  queue: JobQueue;
  secretBox: SecretBox;
  outboundGuard: Pick<OutboundGuard, 'assertAllowed'>;
  allowedCommands: readonly string[];
  events: Pick<EventPublisher, 'publish'>;
  /** Called once a change of a server committed (this process's pooled clients). */
  onChanged: (serverId: string, change: { deleted: boolean }) => void;
}) {
  /** The rules of each transport: what it needs, and what it may not have. */
  function checkTransport(settings: TransportSettings, commandChanged: boolean) {
    if (settings.transport === 'streamable_http') {
      if (!settings.endpoint) invalid('endpoint', 'is required for the streamable_http transport');
      if (settings.command !== null || settings.args.length > 0) {
        invalid(settings.command !== null ? 'command' : 'args', 'is only for the stdio transport');
      }
      return;
    }
    if (!settings.command) invalid('command', 'is required for the stdio transport');
    if (settings.endpoint !== null) invalid('endpoint', 'is only for the streamable_http transport');
    if (settings.authType !== 'none') {
      invalid('authentication', 'is not supported for stdio servers: configure the command itself');
    }
    const refusal = commandChanged ? stdioRefusal(settings.command, allowedCommands) : undefined;
    if (refusal) invalid('command', refusal);
  }

  /**
   * A URL must pass the outbound guard before it is stored (and again on every connection). A host
   * that does not resolve right now is accepted: its check will say so.
   */
  async function checkReachable(url: string | null | undefined) {
    if (url) await refuseBlockedUrl(outboundGuard, url);
  }

  const requireServer = async (executor: Executor, principal: Principal, serverId: string) =>
    requireInScope(await repository.findServer(executor, principal, serverId), 'MCP server', () =>
      repository.findServerOrganization(executor, serverId),
    );
  const requireLockedServer = async (tx: Executor, principal: Principal, serverId: string) =>
    requireInScope(await repository.lockServer(tx, principal, serverId), 'MCP server', () =>
      repository.findServerOrganization(tx, serverId),
    );

  async function view(executor: Executor, principal: Principal, row: McpServerRow): Promise<McpServerView> {
    return toServerView(secretBox, row, await listServersTools(executor, principal, [row.id]));
  }

  const enqueueCheck = (tx: Executor, row: McpServerRow) => {
    const data: McpCheckJobData = {
      serverId: row.id,
      organizationId: row.organizationId,
      sequence: row.checkSequence,
    };
    return queue.send(MCP_CHECK_QUEUE, data, { tx });
  };

  return {
    async create(principal: Principal, body: CreateMcpServerBody): Promise<McpServerView> {
      const authentication = normalizeAuthentication(body.authentication);
      const settings: TransportSettings = {
        transport: body.transport,
        endpoint: body.endpoint ?? null,
        command: body.command ?? null,
        args: body.args ?? [],
        authType: authentication.type,
      };
      checkTransport(settings, true);
      await checkReachable(settings.endpoint);
      await checkReachable(body.health_check_url);
      const id = uuidv7();
      return db
        .transaction(async (tx) => {
          const row = await repository.insertServer(tx, {
            id,
            organizationId: principal.organizationId,
            name: body.name,
            description: body.description ?? null,
            transport: settings.transport,
            endpoint: settings.endpoint,
            command: settings.command,
            args: settings.args,
            ...sealAuthentication(secretBox, id, authentication),
            healthCheckUrl: body.health_check_url ?? null,
            enabled: body.enabled ?? true,
            timeoutSeconds: body.timeout_seconds ?? null,
            retryConfig: body.retry_config ?? null,
            circuitBreakerConfig: body.circuit_breaker_config ?? null,
            metadata: body.metadata ?? {},
            checkSequence: 1,
            createdByUserId: principal.userId,
            createdByApiKeyId: principal.apiKeyId,
          });
          await enqueueCheck(tx, row);
          await announceServer(events, tx, MCP_SERVER_EVENTS.created, row);
          return toServerView(secretBox, row, []);
        })
        .catch((error: unknown) => {
          throw conflictFrom(error);
        });
    },

    /** Newest first, each with its tools. */
    async list(principal: Principal, { limit, offset }: ListMcpServersQuery) {
      const { rows, total } = await repository.listServers(db, principal, { limit, offset });
      const tools = await listServersTools(
        db,
        principal,
        rows.map((row) => row.id),
      );
      const items = rows.map((row) =>
        toServerView(
          secretBox,
          row,
          tools.filter((tool) => tool.mcpServerId === row.id),
        ),
      );
      return { items, total };
    },

    async get(principal: Principal, serverId: string): Promise<McpServerView> {
      return view(db, principal, await requireServer(db, principal, serverId));
    },

    /**
     * PUT and PATCH: the given fields change, the others stay. A change of how the server is
     * reached (transport, endpoint, command, authentication, health check URL) or enabling it makes
     * it `pending` and enqueues a check in the same transaction. A new name renames its tools.
     */
    async update(principal: Principal, serverId: string, body: UpdateMcpServerBody): Promise<McpServerView> {
      if (body.endpoint) await checkReachable(body.endpoint);
      if (body.health_check_url) await checkReachable(body.health_check_url);
      return db
        .transaction(async (tx) => {
          const row = await requireLockedServer(tx, principal, serverId);
          const transport = body.transport ?? row.transport;
          const switched = transport !== row.transport;
          // A new transport drops the other transport's settings unless the request sets them.
          const authentication =
            body.authentication !== undefined ? normalizeAuthentication(body.authentication) : undefined;
          const settings: TransportSettings = {
            transport,
            endpoint: body.endpoint !== undefined ? body.endpoint : switched ? null : row.endpoint,
            command: body.command !== undefined ? body.command : switched ? null : row.command,
            args: body.args ?? (switched ? [] : row.args),
            authType: authentication?.type ?? row.authType,
          };
          checkTransport(settings, switched || settings.command !== row.command);

          const change: repository.McpServerChange = {};
          if (body.name !== undefined && body.name !== row.name) change.name = body.name;
          if (body.description !== undefined) change.description = body.description;
          if (switched) change.transport = transport;
          if (settings.endpoint !== row.endpoint) change.endpoint = settings.endpoint;
          if (settings.command !== row.command) change.command = settings.command;
          if (JSON.stringify(settings.args) !== JSON.stringify(row.args)) change.args = settings.args;
          if (authentication) Object.assign(change, sealAuthentication(secretBox, row.id, authentication));
          if (body.health_check_url !== undefined && body.health_check_url !== row.healthCheckUrl) {
            change.healthCheckUrl = body.health_check_url;
          }
          if (body.enabled !== undefined && body.enabled !== row.enabled) change.enabled = body.enabled;
          if (body.timeout_seconds !== undefined) change.timeoutSeconds = body.timeout_seconds;
          if (body.retry_config !== undefined) change.retryConfig = body.retry_config;
          if (body.circuit_breaker_config !== undefined)
            change.circuitBreakerConfig = body.circuit_breaker_config;
          if (body.metadata !== undefined) change.metadata = body.metadata;
          if (Object.keys(change).length === 0) return view(tx, principal, row);

          const reached =
            change.transport !== undefined ||
            change.endpoint !== undefined ||
            change.command !== undefined ||
            change.args !== undefined ||
            change.authType !== undefined ||
            change.healthCheckUrl !== undefined ||
            change.enabled === true;
          const updated = (await repository.updateServer(tx, principal, row.id, change, {
            newCheck: reached,
          })) as McpServerRow;
          if (change.name !== undefined) {
            const tools = await listServersTools(tx, principal, [row.id]);
            await syncServerTools(tx, principal, updated, tools.map(discoveredFromRow));
          }
          if (reached) await enqueueCheck(tx, updated);
          await announceServer(events, tx, MCP_SERVER_EVENTS.updated, updated, {
            change: 'configuration',
            changed_fields: Object.keys(change).filter((field) => field !== 'authCiphertext'),
          });
          return view(tx, principal, updated);
        })
        .then(
          (updated) => {
            onChanged(serverId, { deleted: false });
            return updated;
          },
          (error: unknown) => {
            throw conflictFrom(error);
          },
        );
    },

    /** Soft delete (then 404), with its tools; its sealed authentication is erased. */
    async remove(principal: Principal, serverId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const deleted = await requireInScope(
          await repository.softDeleteServer(tx, principal, serverId),
          'MCP server',
          () => repository.findServerOrganization(tx, serverId),
        );
        await softDeleteServerTools(tx, principal, serverId);
        await announceServerDeleted(events, tx, { ...deleted, organizationId: principal.organizationId });
      });
      onChanged(serverId, { deleted: true });
    },

    /** Enqueues a fresh check; the server is `pending` until a worker takes it. */
    async refresh(principal: Principal, serverId: string): Promise<McpServerView> {
      return db.transaction(async (tx) => {
        await requireLockedServer(tx, principal, serverId);
        const updated = (await repository.requestCheck(tx, principal, serverId)) as McpServerRow;
        await enqueueCheck(tx, updated);
        await announceServer(events, tx, MCP_SERVER_EVENTS.updated, updated, { change: 'check' });
        return view(tx, principal, updated);
      });
    },
  };
}

export type McpServerService = ReturnType<typeof createMcpServerService>;
