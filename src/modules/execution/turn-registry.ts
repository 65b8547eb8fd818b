import type { Executor } from '../../platform/db/database.ts';
import type { StatementPart } from '../../platform/db/statement-part.ts';
import type { AgentView } from '../agents/index.ts';
import type { RecordedAction, RunTrigger, RunUsage } from '../runs/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ToolProvider } from './agent-tool.ts';
import { type AssembledContext, type ContextSource, inContextOrder } from './context-pipeline.ts';

/** A turn about to call its model: what a before-model-call hook may look at. */
export interface PlannedTurn {
  principal: Principal;
  trigger: RunTrigger;
  agent: AgentView;
  sessionId: string | null;
  message: string;
  context: AssembledContext;
  /** The names of the tools the model is offered. */
  tools: string[];
  model: { provider: { id: string; name: string; type: string }; modelId: string };
}

/** A turn that ended, as the after-turn hooks see it inside the transaction that stores its end. */
export interface EndedTurn {
  principal: Principal;
  trigger: RunTrigger;
  /**
   * `threadWindow`: the agent's memory.thread_window, the messages of the session the turn read.
   * `memoryEnabled`: its use_memory_context.
   */
  agent: { id: string; version: number; threadWindow: number; memoryEnabled: boolean };
  /** The agent's model (not a fallback that answered), as the turn resolved it. */
  model: { provider: { id: string; name: string; type: string }; modelId: string };
  runId: string;
  sessionId: string | null;
  /** The session's end user (its user_id); null without a session or when it names none. */
  sessionUserId: string | null;
  /**
   * The session's message count as the turn leaves it (its start's read plus what it stored) and
   * how many of its oldest messages the session's summary covers; null without a session.
   */
  thread: { messageCount: number; summarizedCount: number } | null;
  status: 'completed' | 'failed' | 'cancelled';
  message: string;
  /** The answer of a completed turn. */
  answer: string | null;
  /** The validated object of a completed turn that carried a response schema. */
  structuredOutput: Record<string, unknown> | null;
  userMessageId: string | null;
  assistantMessageId: string | null;
  usage: RunUsage;
  costEstimate: number | null;
  error: { code: string; message: string } | null;
}

/**
 * A module's say in every turn. `beforeModelCall` runs once the turn is planned and before its run
 * starts: throwing an AppError refuses the turn (e.g. a spent budget), and nothing is stored.
 * `afterTurn` runs inside the transaction that stores the turn's end, for every ending (completed,
 * failed, cancelled): its writes (e.g. enqueueing a memory job) commit with the turn or not at all.
 * It must write only through `tx` and make no network calls; turns ending together share that
 * transaction, so a hook that throws makes each of them retry on its own, and then fails only its own.
 * `appliesTo`, when given, tells without I/O whether `afterTurn` has anything to do for a turn:
 * turn ends no hook applies to are stored without a transaction of their own.
 */
export interface TurnHook {
  name: string;
  beforeModelCall?(turn: PlannedTurn): void | Promise<void>;
  appliesTo?(turn: EndedTurn): boolean;
  afterTurn?(turn: EndedTurn, tx: Executor): Promise<void>;
}

/**
 * A module watching turns end, for counting (metrics): told of each turn once its end is stored,
 * with its duration and the run's actions (model and tool calls). It does no I/O and must not
 * throw: it runs on the turn's path, after the turn's outcome is settled.
 */
export interface TurnObserver {
  name: string;
  turnEnded(turn: EndedTurn, details: { durationMs: number; actions: readonly RecordedAction[] }): void;
}

/**
 * A module's CTEs in the one statement that stores turn ends (docs/decisions/0004), for writes that
 * follow from every turn's end and need no transaction of their own (e.g. budgets' counters): it
 * reads `ended`, the CTE of the runs the statement ended (id, organization_id, agent_id, status,
 * error, completed_at, usage, cost_estimate), and writes with the turns' end or not at all.
 */
export type TurnEndPart = (names: { ended: string }) => StatementPart<unknown>;

/** A turn asking to start: who runs it, for what trigger, with which agent. */
export interface TurnAdmissionRequest {
  principal: Principal;
  trigger: RunTrigger;
  agentId: string;
}

/** A turn's place, held from its admission until it ends; released exactly once. */
export interface TurnPermit {
  release(): void;
}

/**
 * A module's say on whether a turn may start at all (fairness, load shedding): `admit` runs before
 * the turn is planned and refuses it by throwing an AppError (nothing is read or stored); the
 * permit it returns is released when the turn ends, however it ends.
 */
export interface TurnAdmission {
  name: string;
  admit(request: TurnAdmissionRequest): TurnPermit | Promise<TurnPermit>;
}

/** Asks every admission in turn; should one refuse, the permits already given are released. */
export async function admitTurn(
  admissions: readonly TurnAdmission[],
  request: TurnAdmissionRequest,
): Promise<TurnPermit[]> {
  const permits: TurnPermit[] = [];
  try {
    for (const admission of admissions) permits.push(await admission.admit(request));
  } catch (error) {
    for (const permit of permits) permit.release();
    throw error;
  }
  return permits;
}

/**
 * Where modules contribute to the turn (DESIGN section 10): context sources, tool providers,
 * hooks, admissions, observers and parts of the turn-end statement, registered while the application
 * is assembled. The turn reads them; it imports no module that contributes.
 */
export function createTurnRegistry() {
  const sources: ContextSource[] = [];
  const toolProviders: ToolProvider[] = [];
  const hooks: TurnHook[] = [];
  const admissions: TurnAdmission[] = [];
  const observers: TurnObserver[] = [];
  const endParts: TurnEndPart[] = [];
  let ordered: readonly ContextSource[] | undefined;
  return {
    addContextSource(source: ContextSource) {
      if (sources.some((known) => known.name === source.name)) {
        throw new Error(`A context source named ${source.name} is already registered`);
      }
      sources.push(source);
      ordered = undefined;
    },
    addToolProvider(provider: ToolProvider) {
      toolProviders.push(provider);
    },
    addHook(hook: TurnHook) {
      hooks.push(hook);
    },
    addAdmission(admission: TurnAdmission) {
      admissions.push(admission);
    },
    addObserver(observer: TurnObserver) {
      observers.push(observer);
    },
    /** Read when the first turn ends: add parts while the application is assembled. */
    addEndPart(part: TurnEndPart) {
      endParts.push(part);
    },
    /** In context order (`contextOrder`). */
    contextSources: (): readonly ContextSource[] => {
      ordered ??= inContextOrder(sources);
      return ordered;
    },
    toolProviders: (): readonly ToolProvider[] => toolProviders,
    beforeModelCallHooks: () => hooks.filter((hook) => hook.beforeModelCall),
    afterTurnHooks: () => hooks.filter((hook) => hook.afterTurn),
    admissions: (): readonly TurnAdmission[] => admissions,
    observers: (): readonly TurnObserver[] => observers,
    endParts: (): readonly TurnEndPart[] => endParts,
  };
}

export type TurnRegistry = ReturnType<typeof createTurnRegistry>;
