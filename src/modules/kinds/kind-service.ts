import { createInvalidatingCache } from '../../platform/cache/invalidating-cache.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Page } from '../../platform/db/pagination.ts';
import type { EventWatcher } from '../../platform/events/event-bus.ts';
import { NotFoundError, ValidationError } from '../../platform/http/errors.ts';
import { schemaViolations } from '../../platform/llm/json-schema-validator.ts';
import type { KindAgent, LifecycleHook } from './agent-kind.ts';
import { DEFINITION_CHANGED_EVENT } from './kind-events.ts';
import type { KindRegistry } from './kind-registry.ts';
import {
  type DefinitionFilters,
  type DefinitionRow,
  findDefinition,
  listAllDefinitions,
  listDefinitions,
} from './kind-repository.ts';
import { toDefinitionView } from './kind-views.ts';

/**
 * A hook runs while the change it belongs to holds the agent's row (and, on the embedded database,
 * the database itself): past this it counts as failed, and the change is refused.
 */
const HOOK_TIMEOUT_MS = 10_000;

export interface KindLog {
  warn(details: Record<string, unknown>, message: string): void;
}

function withTimeout(work: Promise<unknown>, description: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${description} did not finish within ${HOOK_TIMEOUT_MS / 1000} s`)),
      HOOK_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The registry as organizations and the agents module see it: the definitions recorded in the
 * database (the operator's `is_enabled` with them) joined with the kinds this process loaded.
 * The definitions are read once and kept until an operator's change is announced on the event bus
 * (`watcher`), or the bus reports it may have missed events.
 */
export function createKindService({
  db,
  registry,
  log,
}: {
  db: Database;
  registry: KindRegistry;
  log: KindLog;
}) {
  const cache = createInvalidatingCache<Map<string, DefinitionRow>>(1);
  const definitions = () =>
    cache.get('definitions', 'all', async () => {
      const rows = await listAllDefinitions(db);
      return new Map(rows.map((row) => [row.slug, row]));
    });
  const isLoaded = (slug: string) => registry.get(slug) !== undefined;

  /** Checks over the definitions as read: they touch no database. */
  function checksOver(rows: Map<string, DefinitionRow>) {
    // A loaded kind not recorded yet (a process that has not upserted, such as a test's) is enabled by default.
    const isUsable = (slug: string) => isLoaded(slug) && (rows.get(slug)?.isEnabled ?? true);
    const refuse = (kind: string) => {
      const allowed = registry
        .list()
        .map(({ kind: registered }) => registered.slug)
        .filter(isUsable)
        .sort();
      const why =
        !rows.has(kind) && !isLoaded(kind)
          ? 'is not an agent kind'
          : !isLoaded(kind)
            ? 'is not loaded on this server'
            : 'is disabled';
      return new ValidationError(`The agent kind ${kind} ${why}`, [
        { field: 'kind', value: kind, message: `must name an enabled agent kind: ${allowed.join(', ')}` },
      ]);
    };
    return {
      requireUsable(kind: string) {
        if (!isUsable(kind)) throw refuse(kind);
      },
      validateSettings(kind: string, settings: Record<string, unknown>) {
        const schema = registry.get(kind)?.kind.configSchema ?? rows.get(kind)?.configSchema;
        if (!schema) throw refuse(kind);
        const violations = schemaViolations(schema, settings);
        if (violations.length === 0) return;
        throw new ValidationError(
          `The settings do not match the config_schema of the ${kind} kind`,
          // Without a value of their own, the error body shows what the request sent at each path.
          violations.map(({ path, message }) => ({ field: ['settings', ...path].join('.'), message })),
        );
      },
    };
  }

  return {
    async list(filters: DefinitionFilters, page: Page) {
      const { rows, total } = await listDefinitions(db, filters, page);
      return { items: rows.map((row) => toDefinitionView(row, isLoaded(row.slug))), total };
    },

    async get(slug: string) {
      const row = await findDefinition(db, slug);
      if (!row) throw new NotFoundError(`Agent definition ${slug}`);
      return toDefinitionView(row, isLoaded(slug));
    },

    /** For the agents module (its `AgentKindPort`). */
    port: {
      current: async () => checksOver(await definitions()),

      /**
       * Runs a kind's hook on a copy of the agent (the hook cannot alter what is written). A kind
       * not loaded here cannot initialize or activate; deactivate and shutdown then have no code to
       * run, and an agent must stay removable when its kind's module is gone.
       */
      async runHook(slug: string, hook: LifecycleHook, agent: KindAgent): Promise<void> {
        const kind = registry.get(slug)?.kind;
        if (!kind) {
          if (hook === 'deactivate' || hook === 'shutdown') return;
          throw new Error(`the kind ${slug} is not loaded on this server`);
        }
        const run = kind[hook] as ((agent: KindAgent) => unknown) | undefined;
        if (typeof run !== 'function') return;
        try {
          await withTimeout(
            Promise.resolve().then(() => run.call(kind, structuredClone(agent))),
            `the ${hook} hook`,
          );
        } catch (error) {
          log.warn(
            { err: error, kind: slug, hook, agent_id: agent.id, organization_id: agent.organizationId },
            'agent kind hook failed',
          );
          throw error;
        }
      },
    },

    /** Keeps the definitions right across processes: watch every event with it. */
    watcher: {
      event(event) {
        if (event.type === DEFINITION_CHANGED_EVENT) cache.clear();
      },
      gap: () => cache.clear(),
    } satisfies EventWatcher,
  };
}

export type KindService = ReturnType<typeof createKindService>;
