import type { Database, Executor } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../platform/http/errors.ts';
import type { Principal } from '../tenancy/index.ts';
import {
  type AgentConfig,
  type AgentConfigPatch,
  type AgentStatus,
  agentConfigSchema,
  defaultAgentConfig,
  initialRuntime,
} from './agent-config.ts';
import { type AgentWriteInput, toConfigPatch } from './agent-input.ts';
import * as repository from './agent-repository.ts';
import type { AgentView, DiffView, ScreeningFindingView, VersionView } from './agent-schemas.ts';
import {
  applyConfigPatch,
  configChecksum,
  diffConfigs,
  type FieldChange,
  historyValue,
} from './agent-versioning.ts';
import { toAgentView, toHistoryView, toVersionView, withDefaults } from './agent-views.ts';
import { type ScreeningMode, screenPromptFields } from './prompt-screening.ts';

/** Where a change comes from and what it expects; recorded with every history row. */
export interface ChangeContext {
  principal: Principal;
  ipAddress: string | null;
  changeReason?: string | undefined;
  expectedVersion?: number | undefined;
}

/** Text that reaches the model's instructions, and so is screened for injection. */
const screenedFields = new Set([
  'role',
  'prompt',
  'initial_context',
  'initial_ai_msg',
  'suggestions_prompt',
  'identity.short_description',
  'identity.full_description',
  'identity.character_role',
  'identity.mission',
  'identity.interaction_style',
]);

function validateConfig(candidate: Record<string, unknown>): AgentConfig {
  const result = agentConfigSchema.safeParse(candidate);
  if (result.success) return result.data;
  throw new ValidationError(
    'The configuration is not valid',
    result.error.issues.flatMap((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: 'unknown field' }));
      }
      return [{ field: path || 'configuration', message: issue.message }];
    }),
  );
}

/** Columns copied out of the configuration so that lists can filter on them. */
const searchableColumns = (config: AgentConfig) => ({
  name: config.name,
  description: config.description,
  agentType: config.agent_type,
  kind: config.kind,
  tags: [...new Set(config.tags)],
});

export function createAgentService({
  db,
  promptScreening,
}: {
  db: Database;
  promptScreening: ScreeningMode;
}) {
  function screen(changes: FieldChange[]): ScreeningFindingView[] {
    const texts: Record<string, string> = {};
    for (const change of changes) {
      if (screenedFields.has(change.field) && typeof change.newValue === 'string')
        texts[change.field] = change.newValue;
    }
    const findings = screenPromptFields(texts, promptScreening);
    const blocking = findings.filter((finding) => finding.severity === 'block');
    if (blocking.length > 0) {
      throw new BadRequestError(
        'prompt_rejected',
        `Prompt screening rejected the change: ${blocking[0]?.message}`,
        {
          findings,
        },
      );
    }
    return findings;
  }

  async function requireAgent(executor: Executor, principal: Principal, agentId: string, lock = false) {
    const row = await repository.findAgent(executor, principal.organizationId, agentId, lock);
    if (row) return row;
    if (await repository.findAgentOrganization(executor, agentId)) throw new ForbiddenError();
    throw new NotFoundError('Agent');
  }

  const historyRow = (
    row: repository.AgentRow,
    context: ChangeContext,
    at: Date,
    entry: {
      changeType: string;
      field: string | null;
      oldValue: unknown;
      newValue: unknown;
      version: number;
    },
  ) => ({
    id: uuidv7(),
    organizationId: row.organizationId,
    agentId: row.id,
    changeType: entry.changeType,
    fieldChanged: entry.field,
    oldValue: historyValue(entry.oldValue),
    newValue: historyValue(entry.newValue),
    changedByUserId: context.principal.userId,
    changedByApiKeyId: context.principal.apiKeyId,
    changeReason: context.changeReason ?? null,
    ipAddress: context.ipAddress,
    version: entry.version,
    changeTimestamp: at,
  });

  /**
   * The one write path of an existing agent: under a row lock, applies a configuration change
   * (appending a version and a history row per field) and/or a status change, in one transaction.
   */
  async function change(
    agentId: string,
    context: ChangeContext,
    request: {
      changeType: 'configuration_update' | 'rollback';
      nextConfig: (current: AgentConfig) => Record<string, unknown>;
      status?: AgentStatus | undefined;
    },
  ) {
    return db.transaction(async (tx) => {
      const row = await requireAgent(tx, context.principal, agentId, true);
      if (context.expectedVersion !== undefined && context.expectedVersion !== row.version) {
        throw new ConflictError(
          'version_conflict',
          `The agent is at version ${row.version}, not ${context.expectedVersion}`,
          {
            current_version: row.version,
          },
        );
      }
      const current = withDefaults(row.configuration);
      const next = validateConfig(request.nextConfig(current));
      const changes = diffConfigs(current, next);
      const findings = screen(changes);
      const statusChanged = request.status !== undefined && request.status !== row.status;
      if (changes.length === 0 && !statusChanged) return { row, findings };

      const at = new Date();
      const version = changes.length > 0 ? row.version + 1 : row.version;
      const history = changes.map((fieldChange) =>
        historyRow(row, context, at, { changeType: request.changeType, ...fieldChange, version }),
      );
      if (statusChanged) {
        history.push(
          historyRow(row, context, at, {
            changeType: 'status_change',
            field: 'status',
            oldValue: row.status,
            newValue: request.status,
            version,
          }),
        );
      }
      if (changes.length > 0) {
        await repository.insertVersion(tx, {
          id: uuidv7(),
          organizationId: row.organizationId,
          agentId: row.id,
          version,
          snapshot: next,
          checksum: configChecksum(next),
          changeType: request.changeType,
          changeReason: context.changeReason ?? null,
          createdByUserId: context.principal.userId,
          createdByApiKeyId: context.principal.apiKeyId,
          createdAt: at,
        });
      }
      await repository.insertHistory(tx, history);
      const updated = await repository.updateAgent(tx, row.organizationId, row.id, {
        configuration: next,
        ...searchableColumns(next),
        version,
        status: request.status ?? row.status,
        updatedAt: at,
      });
      return { row: updated, findings };
    });
  }

  async function requireVersion(principal: Principal, agentId: string, version: number) {
    const row = await repository.findVersion(db, principal.organizationId, agentId, version);
    if (!row) throw new NotFoundError(`Version ${version}`);
    return row;
  }

  return {
    async create(
      input: AgentWriteInput,
      context: ChangeContext,
    ): Promise<AgentView & { warnings: ScreeningFindingView[] }> {
      const { patch, status } = toConfigPatch(input);
      const config = validateConfig(applyConfigPatch(defaultAgentConfig, patch));
      const findings = screen(diffConfigs(defaultAgentConfig, config));
      const at = new Date();
      const row = await db.transaction(async (tx) => {
        const agent = await repository.insertAgent(tx, {
          id: uuidv7(),
          organizationId: context.principal.organizationId,
          configuration: config,
          ...searchableColumns(config),
          status: status ?? 'active',
          version: 1,
          runtime: initialRuntime,
          createdByUserId: context.principal.userId,
          createdByApiKeyId: context.principal.apiKeyId,
          createdAt: at,
          updatedAt: at,
        });
        const creation = { ...context, changeReason: context.changeReason ?? 'Initial agent creation' };
        await repository.insertVersion(tx, {
          id: uuidv7(),
          organizationId: agent.organizationId,
          agentId: agent.id,
          version: 1,
          snapshot: config,
          checksum: configChecksum(config),
          changeType: 'agent_created',
          changeReason: creation.changeReason,
          createdByUserId: context.principal.userId,
          createdByApiKeyId: context.principal.apiKeyId,
          createdAt: at,
        });
        await repository.insertHistory(tx, [
          historyRow(agent, creation, at, {
            changeType: 'agent_created',
            field: null,
            oldValue: null,
            newValue: config,
            version: 1,
          }),
        ]);
        return agent;
      });
      return { ...toAgentView(row), warnings: findings };
    },

    async get(principal: Principal, agentId: string): Promise<AgentView> {
      return toAgentView(await requireAgent(db, principal, agentId));
    },

    async list(principal: Principal, filters: repository.AgentFilters, page: repository.Page) {
      const { rows, total } = await repository.listAgents(db, principal.organizationId, filters, page);
      return { items: rows.map(toAgentView), total };
    },

    /** PUT and PATCH of an agent: a partial update of configuration and status. */
    async update(agentId: string, input: AgentWriteInput, context: ChangeContext) {
      const { patch, status } = toConfigPatch(input);
      const { row, findings } = await change(agentId, context, {
        changeType: 'configuration_update',
        nextConfig: (current) => applyConfigPatch(current, patch),
        status,
      });
      return { ...toAgentView(row), warnings: findings };
    },

    async updateConfiguration(agentId: string, patch: AgentConfigPatch, context: ChangeContext) {
      const { row, findings } = await change(agentId, context, {
        changeType: 'configuration_update',
        nextConfig: (current) => applyConfigPatch(current, patch),
      });
      const version = await requireVersion(context.principal, agentId, row.version);
      return { ...toVersionView(version), warnings: findings };
    },

    async currentConfiguration(principal: Principal, agentId: string): Promise<VersionView> {
      const row = await requireAgent(db, principal, agentId);
      return toVersionView(await requireVersion(principal, agentId, row.version));
    },

    /** Appends a new version equal to version `target`; history is never rewritten. */
    async rollback(agentId: string, target: number, context: ChangeContext) {
      await requireAgent(db, context.principal, agentId);
      const snapshot = await requireVersion(context.principal, agentId, target);
      const { row, findings } = await change(
        agentId,
        { ...context, changeReason: context.changeReason ?? `Rollback to version ${target}` },
        { changeType: 'rollback', nextConfig: () => withDefaults(snapshot.snapshot) },
      );
      return { ...toAgentView(row), warnings: findings };
    },

    async listVersions(principal: Principal, agentId: string, page: repository.Page) {
      await requireAgent(db, principal, agentId);
      const { rows, total } = await repository.listVersions(db, principal.organizationId, agentId, page);
      return { items: rows.map(toVersionView), total };
    },

    async getVersion(principal: Principal, agentId: string, version: number): Promise<VersionView> {
      await requireAgent(db, principal, agentId);
      return toVersionView(await requireVersion(principal, agentId, version));
    },

    async diffVersions(
      principal: Principal,
      agentId: string,
      version: number,
      against?: number,
    ): Promise<DiffView> {
      await requireAgent(db, principal, agentId);
      const base = against ?? version - 1;
      if (base < 1) {
        throw new BadRequestError(
          'no_previous_version',
          'Version 1 has no previous version: pass ?against=<version>',
        );
      }
      const [from, to] = await Promise.all([
        requireVersion(principal, agentId, base),
        requireVersion(principal, agentId, version),
      ]);
      const changes = diffConfigs(withDefaults(from.snapshot), withDefaults(to.snapshot));
      return {
        agent_id: agentId,
        from_version: base,
        to_version: version,
        changes: changes.map(({ field, oldValue, newValue }) => ({
          field,
          old_value: oldValue,
          new_value: newValue,
        })),
      };
    },

    async history(
      principal: Principal,
      agentId: string,
      query: repository.Page & { fieldFilter?: string | undefined },
    ) {
      await requireAgent(db, principal, agentId);
      const { rows, total } = await repository.listHistory(db, principal.organizationId, agentId, query);
      return { items: rows.map(toHistoryView), total };
    },

    /** Soft delete: the agent is archived, disappears from reads, and its history keeps the event. */
    async remove(agentId: string, context: ChangeContext): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await requireAgent(tx, context.principal, agentId, true);
        const at = new Date();
        await repository.insertHistory(tx, [
          historyRow(row, context, at, {
            changeType: 'deleted',
            field: 'status',
            oldValue: row.status,
            newValue: 'archived',
            version: row.version,
          }),
        ]);
        await repository.updateAgent(tx, row.organizationId, row.id, {
          status: 'archived',
          deletedAt: at,
          updatedAt: at,
        });
      });
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
