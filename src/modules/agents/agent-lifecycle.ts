import { isDeepStrictEqual } from 'node:util';
import type { Database } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import { AppError, ValidationError } from '../../platform/http/errors.ts';
import type { AgentConfig, AgentRuntime, AgentStatus } from './agent-config.ts';
import type { AgentKindPort, LifecycleAgent, LifecycleHook } from './agent-kind-port.ts';
import { recordLifecycleError } from './agent-lifecycle-repository.ts';

/** Long enough for a useful message; short enough for a log line and the runtime. */
const REASON_MAX_LENGTH = 500;

/** A hook of the agent's kind failed: the change it belonged to is not applied. */
export class AgentLifecycleError extends AppError {
  constructor(step: { kind: string; hook: LifecycleHook }, reason: string) {
    super('agent_lifecycle_failed', `The ${step.kind} kind failed to ${step.hook} the agent: ${reason}`, {
      status: 409,
      details: { kind: step.kind, hook: step.hook, reason },
    });
  }
}

/** The agent's kind and settings, and its status, on one side of a change. */
export interface LifecyclePhase {
  config: AgentConfig;
  status: AgentStatus;
}

interface AgentKey {
  id: string;
  organizationId: string;
}

interface Step {
  kind: string;
  hook: LifecycleHook;
  agent: LifecycleAgent;
}

const inverse: Record<LifecycleHook, LifecycleHook> = {
  initialize: 'shutdown',
  activate: 'deactivate',
  deactivate: 'activate',
  shutdown: 'initialize',
};

/**
 * The hooks a change from `before` to `after` runs, in order (null: the agent does not exist yet,
 * or any more). Leaving a kind or the active status runs deactivate and shutdown on the agent as it
 * was; entering them runs initialize and activate on the agent as the change makes it.
 */
export function lifecycleSteps(agent: AgentKey, before: LifecyclePhase | null, after: LifecyclePhase | null) {
  const seen = (phase: LifecyclePhase): LifecycleAgent => ({
    id: agent.id,
    organizationId: agent.organizationId,
    name: phase.config.name,
    settings: phase.config.settings,
    status: phase.status,
  });
  const steps: Step[] = [];
  const kindChanged = before?.config.kind !== after?.config.kind;
  if (before) {
    if (before.status === 'active' && (kindChanged || after?.status !== 'active'))
      steps.push({ kind: before.config.kind, hook: 'deactivate', agent: seen(before) });
    if (kindChanged) steps.push({ kind: before.config.kind, hook: 'shutdown', agent: seen(before) });
  }
  if (after) {
    if (kindChanged) steps.push({ kind: after.config.kind, hook: 'initialize', agent: seen(after) });
    if (after.status === 'active' && (kindChanged || before?.status !== 'active'))
      steps.push({ kind: after.config.kind, hook: 'activate', agent: seen(after) });
  }
  return steps;
}

/** A check's 422 with each field named as the request gave it (`type` for kind, `configuration.settings`). */
function asGiven(error: ValidationError, sources: Record<string, string>) {
  return new ValidationError(
    error.message,
    error.fieldErrors.map((fieldError) => {
      const [top = '', ...rest] = fieldError.field.split('.');
      const source = sources[top];
      return source ? { ...fieldError, field: [source, ...rest].join('.') } : fieldError;
    }),
  );
}

const reasonOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, REASON_MAX_LENGTH) || 'no reason given';

/**
 * Agent kinds in the agents' write paths (docs/agent-kinds.md, Lifecycle): a change names a usable
 * kind and settings that fit it, and runs its kind's hooks before it commits, so that it is never
 * half made. A hook that fails undoes the hooks before it and refuses the change (409
 * agent_lifecycle_failed); an existing agent is then left in runtime state `error`. A change that
 * fails to commit after its hooks ran undoes them.
 */
export function createAgentLifecycle({
  db,
  events,
  kinds,
}: {
  db: Database;
  events: Pick<EventPublisher, 'publish'> | undefined;
  kinds: AgentKindPort;
}) {
  // Undoing is best effort: the kind logs what fails, and the change's own outcome stands.
  const undo = async (steps: Step[]) => {
    for (const step of steps.reverse())
      await kinds.runHook(step.kind, inverse[step.hook], step.agent).catch(() => undefined);
  };

  return {
    /**
     * One change's lifecycle, begun before its transaction. `existing`: the agent changed, whose
     * runtime records a refusal; null for a new agent, of which nothing is stored.
     */
    async begin(
      existing: { scope: TenantScope; agentId: string } | null,
      sources: Record<string, string> = {},
    ) {
      const checks = await kinds.current();
      const done: Step[] = [];
      return {
        /**
         * The kind and settings of `after`, where they differ from `before`: 422 naming the fields
         * as the request gave them (`sources`) otherwise.
         */
        checkKind(before: AgentConfig | null, after: AgentConfig) {
          const kindChanged = before?.kind !== after.kind;
          try {
            if (kindChanged) checks.requireUsable(after.kind);
            if (kindChanged || !isDeepStrictEqual(before?.settings, after.settings))
              checks.validateSettings(after.kind, after.settings);
          } catch (error) {
            throw error instanceof ValidationError ? asGiven(error, sources) : error;
          }
        },

        /** Runs the change's hooks; true when there were any. */
        async run(agent: AgentKey, before: LifecyclePhase | null, after: LifecyclePhase | null) {
          const steps = lifecycleSteps(agent, before, after);
          for (const step of steps) {
            try {
              await kinds.runHook(step.kind, step.hook, step.agent);
            } catch (error) {
              await undo(done.splice(0));
              throw new AgentLifecycleError(step, reasonOf(error));
            }
            done.push(step);
          }
          return steps.length > 0;
        },

        /** The runtime after hooks that all succeeded: an error state (a refused change's) is over. */
        settledRuntime: (runtime: AgentRuntime, hooksRan: boolean): { runtime?: AgentRuntime } =>
          hooksRan && runtime.state === 'error' ? { runtime: { ...runtime, state: 'idle' } } : {},

        /** Awaits the change's write: records a refusal on the agent, or undoes the hooks of a failed write. */
        async settle<T>(write: Promise<T>): Promise<T> {
          try {
            return await write;
          } catch (error) {
            if (!(error instanceof AgentLifecycleError)) await undo(done.splice(0));
            else if (existing) {
              await recordLifecycleError(db, events, existing.scope, existing.agentId, {
                lastError: error.message,
                data: error.details ?? {},
              });
            }
            throw error;
          }
        },
      };
    },
  };
}

export type AgentLifecycle = ReturnType<typeof createAgentLifecycle>;
