import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError, ValidationError } from '../../platform/http/errors.ts';
import { projectFor } from '../tenancy/index.ts';
import type { ToolNameCheck } from '../tools/index.ts';
import { type AgentConfig, defaultAgentConfig, initialRuntime } from './agent-config.ts';
import { writeImportedAgent } from './agent-import-repository.ts';
import type { AgentKindPort } from './agent-kind-port.ts';
import { createAgentLifecycle } from './agent-lifecycle.ts';
import { type ChangeContext, historyRecord, versionRecord } from './agent-records.ts';
import type { AgentRow } from './agent-repository.ts';
import type { AgentView, ScreeningFindingView } from './agent-schemas.ts';
import { validateConfig } from './agent-validation.ts';
import { diffConfigs } from './agent-versioning.ts';
import { toAgentView } from './agent-views.ts';
import type { FindUsableProvider } from './agent-write-settling.ts';
import { type ScreeningMode, screenChanges } from './prompt-screening.ts';

/** A provider as an agent file names it: never an id, which only means something in its organization. */
export interface ProviderReference {
  name: string;
  type: string;
}

/** One configuration the imported agent had, oldest first; the first becomes version 1. */
export interface ImportedVersion {
  /** Where it is in the request, for field errors (e.g. `versions[2].configuration`). */
  path: string;
  /** Agentry's configuration fields; provider ids are ignored, `provider` names the provider. */
  configuration: Record<string, unknown>;
  provider: ProviderReference | null;
  fallbackProvider: ProviderReference | null;
  changeType: string;
  changeReason: string | null;
}

export interface AgentImportRequest {
  versions: ImportedVersion[];
  status: 'active' | 'inactive';
  /** The project_id the request names (see `projectFor`), and where the request names it. */
  project?: { id: string | null; field: string } | undefined;
  /** Why, as the `agent_imported` history row records it, and the details it keeps as its value. */
  origin: { reason: string; details: Record<string, unknown> };
}

const warning = (rule: string, field: string, excerpt: string, message: string): ScreeningFindingView => ({
  rule,
  severity: 'warn',
  field,
  excerpt,
  message,
});

/** A validation error whose fields are named where the request gave them. */
const at = (path: string, error: ValidationError) =>
  new ValidationError(
    error.message,
    error.fieldErrors.map((fieldError) => ({ ...fieldError, field: `${path}.${fieldError.field}` })),
  );

/**
 * Agents brought in from an agent file (docs/agent-export.md): every configuration goes through the
 * checks of a write (validation, prompt screening; the current one also its kind's), providers are
 * found by name (else by type) among the organization's, and tools it cannot use are left out, each
 * with a warning. The agent, its versions 1..n and their history commit in one transaction.
 */
export function createAgentImports({
  db,
  events,
  promptScreening,
  findUsableProvider,
  checkToolNames,
  kinds,
}: {
  db: Database;
  events?: Pick<EventPublisher, 'publish'>;
  promptScreening: ScreeningMode;
  findUsableProvider: FindUsableProvider;
  checkToolNames: ToolNameCheck;
  kinds: AgentKindPort;
}) {
  const lifecycle = createAgentLifecycle({ db, events, kinds });

  /** The organization's provider a reference names: by name, else one of its type; null with a warning. */
  async function providerFor(
    scope: TenantScope,
    reference: ProviderReference | null,
    field: string,
    warnings: ScreeningFindingView[],
  ): Promise<string | null> {
    if (!reference) return null;
    const byName = await findUsableProvider(scope, reference.name);
    if (byName) return byName.id;
    const byType = await findUsableProvider(scope, reference.type);
    if (byType) {
      warnings.push(
        warning(
          'provider_mapped_by_type',
          field,
          reference.name,
          `The organization has no provider named ${reference.name}: the agent uses its ${reference.type} provider`,
        ),
      );
      return byType.id;
    }
    warnings.push(
      warning(
        'provider_not_found',
        field,
        reference.name,
        `The organization has no provider named ${reference.name} nor of type ${reference.type}: the agent uses the organization's default provider`,
      ),
    );
    return null;
  }

  /** The tools the organization cannot use, named once each in the warnings. */
  async function unusableTools(
    scope: TenantScope,
    versions: ImportedVersion[],
    warnings: ScreeningFindingView[],
  ) {
    const named = new Set<string>();
    for (const version of versions) {
      const tools = version.configuration.tools;
      if (Array.isArray(tools)) for (const name of tools) if (typeof name === 'string') named.add(name);
    }
    const { unknown, disabled } = await checkToolNames(scope, [...named]);
    for (const name of unknown) {
      warnings.push(
        warning('tool_not_available', 'tools', name, `The organization has no tool named ${name}: left out`),
      );
    }
    for (const name of disabled) {
      warnings.push(
        warning('tool_not_available', 'tools', name, `The organization's tool ${name} is disabled: left out`),
      );
    }
    return new Set([...unknown, ...disabled]);
  }

  /** Each version's configuration, settled against the organization, validated and screened. */
  async function settle(scope: TenantScope, versions: ImportedVersion[], warnings: ScreeningFindingView[]) {
    const dropped = await unusableTools(scope, versions, warnings);
    const providers = new Map<string, Promise<string | null>>();
    const resolve = (reference: ProviderReference | null, field: string) => {
      if (!reference) return Promise.resolve(null);
      const key = JSON.stringify([reference.name, reference.type]);
      // One lookup (and one warning) per provider named, whichever versions name it.
      if (!providers.has(key)) providers.set(key, providerFor(scope, reference, field, warnings));
      return providers.get(key) as Promise<string | null>;
    };
    const settled: AgentConfig[] = [];
    let previous = defaultAgentConfig;
    for (const version of versions) {
      const { tools } = version.configuration;
      const candidate = {
        ...defaultAgentConfig,
        ...version.configuration,
        provider_id: await resolve(version.provider, 'provider'),
        fallback_provider_id: await resolve(version.fallbackProvider, 'fallback_provider'),
        ...(Array.isArray(tools) ? { tools: tools.filter((name) => !dropped.has(name)) } : {}),
      };
      let config: AgentConfig;
      try {
        config = validateConfig(candidate);
      } catch (error) {
        throw error instanceof ValidationError ? at(version.path, error) : error;
      }
      try {
        warnings.push(...screenChanges(diffConfigs(previous, config), promptScreening));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        throw new AppError(error.code, `${error.message} (${version.path})`, {
          status: error.status,
          details: { ...error.details, path: version.path },
        });
      }
      settled.push(config);
      previous = config;
    }
    return settled;
  }

  return {
    async importAgent(
      context: ChangeContext,
      request: AgentImportRequest,
    ): Promise<AgentView & { warnings: ScreeningFindingView[] }> {
      const { principal } = context;
      const warnings: ScreeningFindingView[] = [];
      const configs = await settle(principal, request.versions, warnings);
      const current = configs.at(-1) as AgentConfig;
      const hooks = await lifecycle.begin(null);
      // The current configuration runs: its kind must be usable here. Older ones are history,
      // checked again should a rollback bring them back.
      try {
        hooks.checkKind(null, current);
      } catch (error) {
        const last = request.versions.at(-1);
        throw error instanceof ValidationError && last ? at(last.path, error) : error;
      }
      const now = new Date();
      const row: AgentRow = {
        id: uuidv7(),
        organizationId: principal.organizationId,
        projectId: await projectFor(db, principal, request.project?.id).catch((error: unknown) => {
          throw error instanceof ValidationError && request.project
            ? new ValidationError(
                error.message,
                error.fieldErrors.map((fieldError) => ({
                  ...fieldError,
                  field: request.project?.field ?? '',
                })),
              )
            : error;
        }),
        configuration: current,
        name: current.name,
        description: current.description,
        agentType: current.agent_type,
        kind: current.kind,
        tags: [...new Set(current.tags)],
        status: request.status,
        version: configs.length,
        runtime: initialRuntime,
        interactionCount: 0,
        lastInteractionAt: null,
        totalTasksProcessed: 0,
        totalProcessingTimeMs: 0,
        createdByUserId: principal.userId,
        createdByApiKeyId: principal.apiKeyId,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      const versionRows = [];
      const history = [];
      for (const [index, config] of configs.entries()) {
        const number = index + 1;
        const source = request.versions[index] as ImportedVersion;
        const changeType = number === 1 ? 'agent_created' : source.changeType;
        const change = { ...context, changeReason: source.changeReason ?? undefined };
        versionRows.push(versionRecord(row, change, now, { version: number, config, changeType }));
        const changes =
          number === 1
            ? [{ field: null, oldValue: null, newValue: config }]
            : diffConfigs(configs[index - 1] as AgentConfig, config);
        for (const fieldChange of changes) {
          history.push(historyRecord(row, change, now, { changeType, ...fieldChange, version: number }));
        }
      }
      history.push(
        historyRecord(row, { ...context, changeReason: request.origin.reason }, now, {
          changeType: 'agent_imported',
          field: null,
          oldValue: null,
          newValue: request.origin.details,
          version: configs.length,
        }),
      );
      // A hook that fails refuses the import: nothing is stored (as for a creation).
      await hooks.run(row, null, { config: current, status: row.status });
      await hooks.settle(writeImportedAgent(db, row, versionRows, history));
      await events?.publish({
        type: 'agent-created',
        organization_id: row.organizationId,
        data: { agent_id: row.id, version: row.version, imported: true },
      });
      return { ...toAgentView(row), warnings };
    },
  };
}

export type AgentImports = ReturnType<typeof createAgentImports>;
