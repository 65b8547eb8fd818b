import type { z } from 'zod';
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import { isUniqueViolation, violatedConstraint } from '../../platform/db/errors.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ChannelAdapter, ChannelRecord } from './channel-contract.ts';
import * as repository from './channel-repository.ts';
import type { CreateChannelBody, UpdateChannelBody } from './channel-schemas.ts';
import type { ChannelKind } from './channel-tables.ts';
import { toChannelView } from './channel-views.ts';

type JsonObject = Record<string, unknown>;
export type ChannelAdapters = Record<ChannelKind, ChannelAdapter>;

/** Binds sealed credentials to their channel: a ciphertext copied into another row does not open. */
const credentialsContext = (channelId: string) => `channels:${channelId}`;

/** `value` as the kind's schema reads it, or a 422 naming the offending field under `prefix`. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, prefix: 'settings' | 'credentials'): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const fieldErrors = result.error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(`The channel's ${prefix} are not valid: ${fieldErrors[0]?.field}`, fieldErrors);
}

function conflictFrom(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  if (violatedConstraint(error)?.includes('inbound_address')) {
    return new ConflictError(
      'inbound_address_taken',
      'Another channel already receives mail at this address',
    );
  }
  return new ConflictError('channel_name_taken', 'The organization already has a channel with this name');
}

/**
 * Channels (issue 10): an agent bound to Slack, an email address or a signed webhook. Settings are
 * validated by the kind's adapter; secrets are sealed and never leave the server.
 */
export function createChannelService({
  db,
  secretBox,
  adapters,
  requireAgent,
  checkSettings,
}: {
  db: Database;
  secretBox: SecretBox;
  adapters: ChannelAdapters;
  /** The agent as its reader may see it (403/404), from the agents module. */
  requireAgent: (principal: Principal, agentId: string) => Promise<unknown>;
  /** Checks settings that name outbound destinations (URLs, hosts) against the outbound guard. */
  checkSettings: (kind: ChannelKind, settings: JsonObject) => Promise<void>;
}) {
  const open = (row: repository.ChannelRow): ChannelRecord => ({
    id: row.id,
    organizationId: row.organizationId,
    agentId: row.agentId,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    credentials: row.credentialsSealed
      ? (JSON.parse(secretBox.open(row.credentialsSealed, credentialsContext(row.id))) as JsonObject)
      : {},
    taskPriority: row.taskPriority,
    createdByUserId: row.createdByUserId,
    createdByApiKeyId: row.createdByApiKeyId,
  });

  async function validated(kind: ChannelKind, settings: unknown, credentials: unknown) {
    const adapter = adapters[kind];
    const cleanSettings = parsed(adapter.settingsSchema, settings, 'settings');
    const cleanCredentials = parsed(adapter.credentialsSchema, credentials, 'credentials');
    await checkSettings(kind, cleanSettings);
    return {
      settings: cleanSettings,
      credentials: cleanCredentials,
      inboundAddress: adapter.inboundAddress?.(cleanSettings).toLowerCase() ?? null,
    };
  }

  async function requireChannel(principal: Principal, channelId: string) {
    return requireInScope(await repository.findChannel(db, principal, channelId), 'Channel', () =>
      repository.findChannelOrganization(db, channelId),
    );
  }

  return {
    async create(principal: Principal, body: CreateChannelBody) {
      await requireAgent(principal, body.agent_id);
      const clean = await validated(body.kind, body.settings, body.credentials);
      const id = uuidv7();
      try {
        const row = await repository.insertChannel(db, {
          id,
          organizationId: principal.organizationId,
          agentId: body.agent_id,
          kind: body.kind,
          name: body.name,
          enabled: body.enabled ?? true,
          settings: clean.settings,
          credentialsSealed: secretBox.seal(JSON.stringify(clean.credentials), credentialsContext(id)),
          inboundAddress: clean.inboundAddress,
          taskPriority: body.task_priority ?? 5,
          createdByUserId: principal.userId,
          createdByApiKeyId: principal.apiKeyId,
        });
        return toChannelView(row, Object.keys(clean.credentials));
      } catch (error) {
        throw conflictFrom(error);
      }
    },

    async list(principal: Principal, filters: repository.ChannelFilters, page: Page) {
      const { rows, total } = await repository.listChannels(db, principal, filters, page);
      return { items: rows.map((row) => toChannelView(row, Object.keys(open(row).credentials))), total };
    },

    async get(principal: Principal, channelId: string) {
      const row = await requireChannel(principal, channelId);
      return toChannelView(row, Object.keys(open(row).credentials));
    },

    async update(principal: Principal, channelId: string, body: UpdateChannelBody) {
      const current = await requireChannel(principal, channelId);
      if (body.agent_id) await requireAgent(principal, body.agent_id);
      const clean = await validated(
        current.kind,
        body.settings ?? current.settings,
        body.credentials ?? open(current).credentials,
      );
      try {
        const row = await repository.updateChannel(db, principal, channelId, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.agent_id !== undefined ? { agentId: body.agent_id } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
          ...(body.task_priority !== undefined ? { taskPriority: body.task_priority } : {}),
          settings: clean.settings,
          credentialsSealed: secretBox.seal(JSON.stringify(clean.credentials), credentialsContext(channelId)),
          inboundAddress: clean.inboundAddress,
        });
        if (!row) throw new NotFoundError('Channel');
        return toChannelView(row, Object.keys(clean.credentials));
      } catch (error) {
        throw conflictFrom(error);
      }
    },

    async remove(principal: Principal, channelId: string) {
      await requireChannel(principal, channelId);
      const deleted = await db.transaction((tx) => repository.deleteChannel(tx, principal, channelId));
      if (!deleted) throw new NotFoundError('Channel');
    },

    /** An enabled channel of `kind` for its inbound endpoint, secrets opened; null otherwise. */
    async forInbound(channelId: string, kind: ChannelKind): Promise<ChannelRecord | null> {
      const row = await repository.findChannelForInbound(db, channelId, kind);
      return row ? open(row) : null;
    },

    /** The enabled email channel receiving mail at `address`, secrets opened; null otherwise. */
    async forAddress(address: string): Promise<ChannelRecord | null> {
      const row = await repository.findChannelByInboundAddress(db, address);
      return row ? open(row) : null;
    },

    open,
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
