import type { JSONSchema7 } from 'ai';
import { uuidv7 } from '../../platform/db/ids.ts';
import { BadRequestError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { RunTrigger } from '../runs/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { AgentTool } from './agent-tool.ts';
import {
  type AssembledContext,
  assembleContext,
  type ContextSession,
  type ProvidedMessage,
} from './context-pipeline.ts';
import type { TurnMessage } from './turn-record.ts';
import type { TurnRegistry } from './turn-registry.ts';
import { toolsForTurn } from './turn-tools.ts';

export interface TurnRequest {
  principal: Principal;
  agentId: string;
  trigger: RunTrigger;
  message: string;
  /** A turn in a conversation: it continues `sessionId`, or starts a session when absent. */
  conversation?: { sessionId?: string | undefined; userId?: string | undefined } | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** The conversation before `message` when the caller holds it instead of a session (OpenAI semantics). */
  history?: ProvidedMessage[] | undefined;
  /** The caller's sampling temperature, instead of the agent's. */
  temperature?: number | undefined;
  /** The caller's output limit: it may lower the agent's cap, never raise it. */
  maxOutputTokens?: number | undefined;
  /** The answer must be a JSON object valid against this schema (docs/execution.md, structured output). */
  responseSchema?: JSONSchema7 | undefined;
  /** Run the agent at this configuration version instead of its current one (batch work pinned to a version). */
  agentVersion?: number | undefined;
}

/** The session a turn runs in, as the conversations module opens it. */
export interface OpenedSession extends ContextSession {
  userId: string | null;
  /** Present for a session without an agent: makes it this turn's agent's (400 if another's won). */
  bindAgent?: (() => Promise<void>) | undefined;
}

/** What the turn needs from the agents and conversations modules to plan. */
export interface TurnPlanDependencies {
  registry: TurnRegistry;
  /**
   * The agent as a turn runs it (the process cache; 403/404 like a read), at `version` when given
   * (that version's configuration; 404 for a version that does not exist).
   */
  agentForTurn(principal: Principal, agentId: string, version?: number): Promise<AgentView>;
  /**
   * Continues `sessionId` (it must be the agent's, or have no agent yet, and, when both name one,
   * the end user's), reading its last `historyWindow` messages, or plans a new session with the
   * given id.
   */
  openSession(
    principal: Principal,
    request: {
      sessionId?: string | undefined;
      newSessionId: string;
      agentId: string;
      agentProjectId: string | null;
      userId?: string | undefined;
      historyWindow: number;
    },
  ): Promise<OpenedSession>;
}

export interface TurnPlan<TModel> {
  request: TurnRequest;
  agent: AgentView;
  model: TModel;
  session: OpenedSession | null;
  /** The agent's initial_ai_msg, opening a session this turn starts. */
  greeting: TurnMessage | null;
  context: AssembledContext;
  tools: AgentTool[];
  warnings: string[];
}

/** Refuses an agent that may not run; shared by every trigger. */
export function requireRunnable(agent: AgentView): void {
  if (agent.status !== 'active') {
    throw new BadRequestError('agent_inactive', `The agent is ${agent.status}: activate it to execute it`);
  }
}

/**
 * The planning step a turn and a context preview share: the agent, its model, its session, its
 * tools and the assembled context, all read before anything is written. `chooseModel` resolves the
 * model (a turn) or only describes it (a preview). Errors come in a fixed order: the agent, then
 * the model, then the session. Once all that holds, a turn (not a preview) binds a session that
 * has no agent yet to its agent.
 */
export async function planTurn<TModel extends { warnings: string[] }>(
  dependencies: TurnPlanDependencies,
  request: TurnRequest,
  chooseModel: (principal: Principal, agent: AgentView) => Promise<TModel>,
  purpose: 'turn' | 'preview',
): Promise<TurnPlan<TModel>> {
  const { principal } = request;
  const agent = await dependencies.agentForTurn(principal, request.agentId, request.agentVersion);
  requireRunnable(agent);
  const conversation = request.conversation;
  const [chosen, opened, offered] = await Promise.allSettled([
    chooseModel(principal, agent),
    conversation
      ? dependencies.openSession(principal, {
          sessionId: conversation.sessionId,
          newSessionId: uuidv7(),
          agentId: agent.id,
          agentProjectId: agent.project_id,
          userId: conversation.userId,
          historyWindow: agent.memory.thread_window,
        })
      : null,
    toolsForTurn(dependencies.registry.toolProviders(), principal, agent),
  ]);
  if (chosen.status === 'rejected') throw chosen.reason;
  if (opened.status === 'rejected') throw opened.reason;
  if (offered.status === 'rejected') throw offered.reason;
  const session = opened.value;
  let greeting: TurnMessage | null = null;
  // A new session opens with the agent's greeting, which the model then sees as history.
  if (session?.created && agent.initial_ai_msg?.trim()) {
    greeting = {
      id: uuidv7(),
      role: 'assistant',
      content: agent.initial_ai_msg,
      metadata: { initial_message: true },
      toolCalls: [],
    };
    session.history = [{ role: 'assistant', content: agent.initial_ai_msg }];
  }
  const context = await assembleContext(dependencies.registry.contextSources(), {
    principal,
    agent,
    session,
    message: request.message,
    history: request.history,
  });
  if (purpose === 'turn') await session?.bindAgent?.();
  return {
    request,
    agent,
    model: chosen.value,
    session,
    greeting,
    context,
    tools: offered.value.tools,
    warnings: [...offered.value.warnings, ...chosen.value.warnings],
  };
}
