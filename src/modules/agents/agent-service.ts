import type { Database, Executor, Transaction } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { Page } from '../../platform/db/pagination.ts';
import { requireInScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../platform/http/errors.ts';
import { type Principal, projectFor } from '../tenancy/index.ts';
import type { ToolNameCheck } from '../tools/index.ts';
import { type AgentConfig, type AgentStatus, defaultAgentConfig, initialRuntime } from './agent-config.ts';
import { type AgentWrite, type AgentWriteInput, toAgentWrite } from './agent-input.ts';
import type { AgentKindPort } from './agent-kind-port.ts';
import { createAgentLifecycle } from './agent-lifecycle.ts';
import { type ChangeContext, historyRecord, versionRecord } from './agent-records.ts';
import * as repository from './agent-repository.ts';
import type { AgentView, DiffView, ScreeningFindingView, VersionView } from './agent-schemas.ts';
import { createAgentTurnCache } from './agent-turn-cache.ts';
import { validateConfig } from './agent-validation.ts';
import { applyConfigPatch, diffConfigs, type FieldChange } from './agent-versioning.ts';
import { toAgentView, toHistoryView, toVersionView, withDefaults } from './agent-views.ts';
import { createWriteSettling, type FindUsableProvider } from './agent-write-settling.ts';
import { type ScreeningMode, screenChanges } from './prompt-screening.ts';

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
  events,
  promptScreening,
  runningTurns,
  findUsableProvider,
  builtinToolNames,
  checkToolNames,
  kinds,
}: {
  db: Database;
  /** Live events for clients; optional for callers (tests, jobs) that need none. */
  events?: Pick<EventPublisher, 'publish'>;
  promptScreening: ScreeningMode;
  /** How busy an agent is (the runs module's count of its running runs). */
  runningTurns: repository.RunningTurns;
  /** Which provider an agent names, among those its organization may use (the providers module). */
  findUsableProvider: FindUsableProvider;
  /** The tools `tools_enabled: true` turns on when an agent names none (the execution module's). */
  builtinToolNames: readonly string[];
  /** Which tools an agent may newly name: the organization's enabled tools (the tools module's). */
  checkToolNames: ToolNameCheck;
  /** The registry of agent kinds (the kinds module's): usable kinds, settings, lifecycle hooks. */
  kinds: AgentKindPort;
}) {
  const settling = createWriteSettling({ findUsableProvider, builtinToolNames, checkToolNames });
  const lifecycle = createAgentLifecycle({ db, events, kinds });
  const publish = (
    tx: Executor,
    type: string,
    row: repository.AgentRow,
    data: Record<string, unknown> = {},
  ) =>
    events?.publish(
      {
        type,
        organization_id: row.organizationId,
        data: { agent_id: row.id, version: row.version, ...data },
      },
      { tx },
    );

  const screen = (changes: FieldChange[]) => screenChanges(changes, promptScreening);

  const agentReads = repository.prepareAgentReads(runningTurns);

  async function requireAgent(principal: Principal, agentId: string) {
    return requireInScope(await agentReads.find(db, principal, agentId), 'Agent', () =>
      repository.findAgentOrganization(db, agentId),
    );
  }

  /** The agent locked for the rest of the transaction, so that changes to it are serialized. */
  async function requireLockedAgent(tx: Executor, principal: Principal, agentId: string) {
    return requireInScope(await agentReads.lock(tx, principal, agentId), 'Agent', () =>
      repository.findAgentOrganization(tx, agentId),
    );
  }

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
      /** Findings of the write itself (a seed alias it could not apply), returned with screening's. */
      warnings?: ScreeningFindingView[];
      /** Where the request gave each field (`AgentWrite.sources`). */
      sources?: Record<string, string>;
      status?: AgentStatus | undefined;
    },
  ) {
    const hooks = await lifecycle.begin({ scope: context.principal, agentId }, request.sources);
    const changing = db.transaction(async (tx) => {
      const row = await requireLockedAgent(tx, context.principal, agentId);
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
      hooks.checkKind(current, next);
      const findings = [...(request.warnings ?? []), ...screen(changes)];
      const statusChanged = request.status !== undefined && request.status !== row.status;
      if (changes.length === 0 && !statusChanged) return { row, findings, version: null };

      const at = new Date();
      const number = changes.length > 0 ? row.version + 1 : row.version;
      const history = changes.map((fieldChange) =>
        historyRecord(row, context, at, { changeType: request.changeType, ...fieldChange, version: number }),
      );
      if (statusChanged) {
        history.push(
          historyRecord(row, context, at, {
            changeType: 'status_change',
            field: 'status',
            oldValue: row.status,
            newValue: request.status,
            version: number,
          }),
        );
      }
      const status = request.status ?? row.status;
      const hooksRan = await hooks.run(
        row,
        { config: current, status: row.status },
        { config: next, status },
      );
      const agent = {
        configuration: next,
        ...searchableColumns(next),
        version: number,
        status,
        ...hooks.settledRuntime(row.runtime, hooksRan),
        updatedAt: at,
      };
      const version =
        changes.length > 0
          ? versionRecord(row, context, at, { version: number, config: next, changeType: request.changeType })
          : null;
      await repository.writeChange(tx, context.principal, {
        agentId: row.id,
        version,
        history,
        agent,
      });
      const updated: repository.AgentActivityRow = { ...row, ...agent };
      await publish(tx, 'agent-updated', updated, {
        changed_fields: history.map((entry) => entry.fieldChanged),
        change_type: request.changeType,
      });
      return { row: updated, findings, version };
    });
    const changed = await hooks.settle(changing);
    // Committed: this process's next turn must see the change (other processes hear its event).
    turnCache.forget(context.principal.organizationId, agentId);
    return changed;
  }

  async function get(principal: Principal, agentId: string): Promise<AgentView> {
    const row = await requireAgent(principal, agentId);
    return toAgentView(row, row.runningTurns);
  }

  async function requireVersion(principal: Principal, agentId: string, version: number) {
    const row = await repository.findVersion(db, principal, agentId, version);
    if (!row) throw new NotFoundError(`Version ${version}`);
    return row;
  }

  const turnCache = createAgentTurnCache(get, async (principal, agentId, version) =>
    withDefaults((await requireVersion(principal, agentId, version)).snapshot),
  );

  /**
   * A change's next configuration, once the write is settled against the organization's data.
   * Settled before the change's transaction, against the configuration as last read: what it
   * reads of it (the provider and tools in place) only spares checks and fills defaults.
   */
  async function settled(agentId: string, write: AgentWrite, context: ChangeContext) {
    let current: Promise<AgentConfig> | undefined;
    const { patch, warnings } = await settling.settle(context.principal, write, () => {
      current ??= requireAgent(context.principal, agentId).then((row) => withDefaults(row.configuration));
      return current;
    });
    return {
      warnings,
      sources: write.sources,
      nextConfig: (current: AgentConfig) => {
        const candidate = applyConfigPatch(current, patch);
        // The same array as `warnings`: the change reads it once the next configuration is made.
        warnings.push(...settling.checkSwitches(write, candidate));
        return candidate;
      },
    };
  }

  return {
    /**
     * `project`: the project_id the request names (undefined: none; see `projectFor`).
     * `precondition`: a check run in the write's transaction, just before it (a throw refuses the
     * creation, its hooks undone): what it reads and locks holds until the agent is committed.
     */
    async create(
      input: AgentWriteInput,
      context: ChangeContext,
      project?: string | null,
      precondition?: (tx: Transaction) => Promise<void>,
    ): Promise<AgentView & { warnings: ScreeningFindingView[] }> {
      const write = toAgentWrite(input);
      const { patch, warnings } = await settling.settle(
        context.principal,
        write,
        async () => defaultAgentConfig,
      );
      const candidate = applyConfigPatch(defaultAgentConfig, patch);
      warnings.push(...settling.checkSwitches(write, candidate));
      const config = validateConfig(candidate);
      const hooks = await lifecycle.begin(null, write.sources);
      hooks.checkKind(null, config);
      const findings = [...warnings, ...screen(diffConfigs(defaultAgentConfig, config))];
      const at = new Date();
      const row: repository.AgentRow = {
        id: uuidv7(),
        organizationId: context.principal.organizationId,
        projectId: await projectFor(db, context.principal, project),
        configuration: config,
        ...searchableColumns(config),
        status: write.status ?? 'active',
        version: 1,
        runtime: initialRuntime,
        interactionCount: 0,
        lastInteractionAt: null,
        totalTasksProcessed: 0,
        totalProcessingTimeMs: 0,
        createdByUserId: context.principal.userId,
        createdByApiKeyId: context.principal.apiKeyId,
        createdAt: at,
        updatedAt: at,
        deletedAt: null,
      };
      const creation = { ...context, changeReason: context.changeReason ?? 'Initial agent creation' };
      // A hook that fails refuses the creation: nothing is stored (docs/agent-kinds.md).
      await hooks.run(row, null, { config, status: row.status });
      // One statement: the agent, version 1 and the creation history commit together.
      const store = (executor: Executor) =>
        repository.writeNewAgent(
          executor,
          row,
          versionRecord(row, creation, at, { version: 1, config, changeType: 'agent_created' }),
          [
            historyRecord(row, creation, at, {
              changeType: 'agent_created',
              field: null,
              oldValue: null,
              newValue: config,
              version: 1,
            }),
          ],
        );
      const writing = precondition
        ? db.transaction(async (tx) => {
            await precondition(tx);
            await store(tx);
          })
        : store(db);
      await hooks.settle(writing);
      await publish(db, 'agent-created', row);
      return { ...toAgentView(row), warnings: findings };
    },

    get,

    async list(principal: Principal, filters: repository.AgentFilters, page: Page) {
      const { rows, total } = await repository.listAgents(db, principal, filters, page, runningTurns);
      return { items: rows.map((row) => toAgentView(row, row.runningTurns)), total };
    },

    /** PUT and PATCH of an agent: a partial update of configuration and status. */
    async update(agentId: string, input: AgentWriteInput, context: ChangeContext) {
      const write = toAgentWrite(input);
      const { row, findings } = await change(agentId, context, {
        changeType: 'configuration_update',
        ...(await settled(agentId, write, context)),
        status: write.status,
      });
      return { ...toAgentView(row, row.runningTurns), warnings: findings };
    },

    /** PUT of an agent's configuration: configuration fields only (seed aliases included). */
    async updateConfiguration(agentId: string, write: AgentWrite, context: ChangeContext) {
      const { row, findings, version } = await change(agentId, context, {
        changeType: 'configuration_update',
        ...(await settled(agentId, write, context)),
      });
      const current = version ?? (await requireVersion(context.principal, agentId, row.version));
      return { ...toVersionView(current), warnings: findings };
    },

    async currentConfiguration(principal: Principal, agentId: string): Promise<VersionView> {
      const row = await requireAgent(principal, agentId);
      return toVersionView(await requireVersion(principal, agentId, row.version));
    },

    /** Appends a new version equal to version `target`; history is never rewritten. */
    async rollback(agentId: string, target: number, context: ChangeContext) {
      await requireAgent(context.principal, agentId);
      const snapshot = await requireVersion(context.principal, agentId, target);
      const { row, findings } = await change(
        agentId,
        { ...context, changeReason: context.changeReason ?? `Rollback to version ${target}` },
        { changeType: 'rollback', nextConfig: () => withDefaults(snapshot.snapshot) },
      );
      return { ...toAgentView(row, row.runningTurns), warnings: findings };
    },

    async listVersions(principal: Principal, agentId: string, page: Page) {
      await requireAgent(principal, agentId);
      const { rows, total } = await repository.listVersions(db, principal, agentId, page);
      return { items: rows.map(toVersionView), total };
    },

    async getVersion(principal: Principal, agentId: string, version: number): Promise<VersionView> {
      await requireAgent(principal, agentId);
      return toVersionView(await requireVersion(principal, agentId, version));
    },

    async diffVersions(
      principal: Principal,
      agentId: string,
      version: number,
      against?: number,
    ): Promise<DiffView> {
      await requireAgent(principal, agentId);
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

    async history(principal: Principal, agentId: string, query: Page & { fieldFilter?: string | undefined }) {
      await requireAgent(principal, agentId);
      const { rows, total } = await repository.listHistory(db, principal, agentId, query);
      return { items: rows.map(toHistoryView), total };
    },

    /** Soft delete: the agent is archived, disappears from reads, and its history keeps the event. */
    async remove(agentId: string, context: ChangeContext): Promise<void> {
      const hooks = await lifecycle.begin({ scope: context.principal, agentId });
      const removing = db.transaction(async (tx) => {
        const row = await requireLockedAgent(tx, context.principal, agentId);
        await hooks.run(row, { config: withDefaults(row.configuration), status: row.status }, null);
        const at = new Date();
        const deletion = historyRecord(row, context, at, {
          changeType: 'deleted',
          field: 'status',
          oldValue: row.status,
          newValue: 'archived',
          version: row.version,
        });
        await repository.writeChange(tx, context.principal, {
          agentId: row.id,
          version: null,
          history: [deletion],
          agent: { status: 'archived', deletedAt: at, updatedAt: at },
        });
        await publish(tx, 'agent-deleted', row);
      });
      await hooks.settle(removing);
      turnCache.forget(context.principal.organizationId, agentId);
    },

    /**
     * For the turn engine: the agent as a turn runs it, from the process cache (403/404 like
     * `get`; its runtime state may be stale, its configuration never is).
     */
    forTurn: (principal: Principal, agentId: string, version?: number): Promise<AgentView> =>
      version === undefined
        ? turnCache.get(principal, agentId)
        : turnCache.atVersion(principal, agentId, version),

    /** The agent locked for the rest of `tx` (403/404 as reads answer), for changes other modules make to it. */
    lockForChange: (tx: Executor, context: ChangeContext, agentId: string) =>
      requireLockedAgent(tx, context.principal, agentId),

    /** Keeps the turn cache right across processes: watch every organization's events with it. */
    turnCacheWatcher: turnCache.watcher,
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
