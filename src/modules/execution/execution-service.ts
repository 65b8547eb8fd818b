import { BadRequestError, ValidationError } from '../../platform/http/errors.ts';
import { assertAnswerSchema } from '../../platform/llm/json-schema-validator.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { memoryConfidence, toChatResponse, toExecuteBody } from './chat.ts';
import type { ChatBody } from './chat-schemas.ts';
import type { ContextReference } from './context-pipeline.ts';
import type { ExecuteBody, ExecutionResponse } from './execution-schemas.ts';
import type { ProviderDirectory } from './model-resolver.ts';
import { maxOutputTokensFor } from './system-prompt-source.ts';
import type { TurnEngine, TurnEvent, TurnOptions, TurnSummary } from './turn.ts';
import { requireRunnable } from './turn-plan.ts';

export interface ExecutionServiceDependencies {
  agentForTurn(principal: Principal, agentId: string): Promise<AgentView>;
  providers: ProviderDirectory;
  turns: TurnEngine;
  /** A session as GET /sessions/{id} shows it (the conversations module). */
  readSession(principal: Principal, sessionId: string): Promise<{ message_count: number }>;
}

/** The streamed turn's last event, with what the JSON answer adds to the summary. */
type CompletedEvent = Extract<TurnEvent, { type: 'run-completed' }> & { memory_confidence: number };

export const toExecutionResponse = (summary: TurnSummary, memoryConfidence: number): ExecutionResponse => ({
  session_id: summary.session_id as string,
  message_id: summary.message_id as string,
  user_message_id: summary.user_message_id as string,
  run_id: summary.run_id,
  content: summary.content,
  ...(summary.structured_output ? { structured_output: summary.structured_output } : {}),
  tool_calls: summary.tool_calls,
  metadata: {
    usage: summary.usage,
    cost_estimate: summary.cost_estimate,
    model: summary.model,
    provider: summary.provider,
    fallback_used: summary.fallback_used,
    ...(summary.suggestions ? { suggestions: summary.suggestions } : {}),
    warnings: summary.warnings,
    memory_confidence: memoryConfidence,
  },
  execution_time_ms: summary.execution_time_ms,
});

/** `run-completed` carries the JSON answer's memory_confidence too; other events pass as they are. */
function withMemoryConfidence(event: TurnEvent, references: readonly ContextReference[]): TurnEvent {
  if (event.type !== 'run-completed') return event;
  const completed: CompletedEvent = { ...event, memory_confidence: memoryConfidence(references) };
  return completed;
}

/** Executing agents (chat, test, preview). */
export function createExecutionService(dependencies: ExecutionServiceDependencies) {
  const { agentForTurn, providers, turns, readSession } = dependencies;

  /** The agent's provider must be usable before a test spends a call on it (seed 003). */
  async function requireUsableProvider(principal: Principal, providerId: string | null) {
    const provider = await providers.describeProvider(principal, providerId);
    if (!provider.is_active) {
      throw new BadRequestError(
        'provider_inactive',
        `The provider ${provider.name} is inactive: activate it first`,
        {
          provider_id: provider.id,
        },
      );
    }
    if (provider.validation_status !== 'connected') {
      throw new BadRequestError(
        'provider_not_validated',
        `The provider ${provider.name} is not validated (status ${provider.validation_status}): validate it first`,
        { provider_id: provider.id, validation_status: provider.validation_status },
      );
    }
  }

  /** One chat turn; events stream through `options.onEvent` while it runs. */
  async function execute(
    principal: Principal,
    agentId: string,
    body: ExecuteBody,
    options: TurnOptions = {},
  ) {
    // Seed 004 names the agent in the body as well: it must be the path's.
    if (body.agent_id !== undefined && body.agent_id !== agentId) {
      throw new ValidationError('The body names another agent than the path', [
        { field: 'agent_id', message: 'must be the id of the agent in the path' },
      ]);
    }
    if (body.response_schema) assertAnswerSchema(body.response_schema, 'response_schema');
    // The references the plan already holds: the confidence costs no query.
    let references: readonly ContextReference[] = [];
    const { onEvent } = options;
    const summary = await turns.run(
      {
        principal,
        agentId,
        trigger: 'chat',
        message: body.message,
        conversation: { sessionId: body.session_id, userId: body.user_id },
        metadata: body.metadata,
        responseSchema: body.response_schema,
      },
      {
        ...options,
        onContext: (quoted) => {
          references = quoted;
          options.onContext?.(quoted);
        },
        // Left undefined when not streaming: the turn streams only when someone listens.
        onEvent: onEvent && ((event) => onEvent(withMemoryConfidence(event, references))),
      },
    );
    return toExecutionResponse(summary, memoryConfidence(references));
  }

  return {
    /** `stream` when the request says so, else the agent's use_streaming. */
    async wantsStream(principal: Principal, agentId: string, requested: boolean | undefined) {
      if (requested !== undefined) return requested;
      return (await agentForTurn(principal, agentId)).use_streaming;
    },

    execute,

    /**
     * POST /agents/{id}/chat (seed 001's interaction flow): the same turn as execute, answered in
     * the seed's shape, with the session's message count once the turn is stored.
     */
    async chat(principal: Principal, agentId: string, body: ChatBody, options: TurnOptions = {}) {
      const result = await execute(principal, agentId, toExecuteBody(body), options);
      const session = await readSession(principal, result.session_id);
      return toChatResponse(agentId, result, session.message_count);
    },

    /** POST /agents/{id}/test (seed 003): one prompt, no session, the provider must be validated. */
    async test(principal: Principal, agentId: string, prompt: string) {
      const agent = await agentForTurn(principal, agentId);
      requireRunnable(agent);
      await requireUsableProvider(principal, agent.provider_id);
      const started = performance.now();
      const summary = await turns.run({ principal, agentId, trigger: 'test', message: prompt });
      return {
        agent_id: agent.id,
        agent_name: agent.name,
        prompt,
        response: summary.content,
        elapsed_time: Math.round(performance.now() - started) / 1000,
        model_name: summary.model,
        provider_name: summary.provider.name,
        provider_type: summary.provider.type,
        run_id: summary.run_id,
      };
    },

    /** What the model would see for this message: the turn's own planning step, with nothing called or stored. */
    async preview(
      principal: Principal,
      agentId: string,
      body: { message: string; session_id?: string | undefined },
    ) {
      const plan = await turns.preview({
        principal,
        agentId,
        trigger: 'chat',
        message: body.message,
        conversation: { sessionId: body.session_id },
      });
      return {
        agent_id: plan.agent.id,
        agent_version: plan.agent.version,
        model: plan.model.primary.modelId,
        provider: plan.model.primary.provider,
        system_prompt: plan.context.instructions,
        messages: plan.context.messages,
        tools: plan.tools.map((tool) => tool.name),
        budget_tokens: plan.context.budgetTokens,
        estimated_tokens: plan.context.estimatedTokens,
        sections: plan.context.sections,
        dropped: plan.context.dropped,
        references: plan.context.references,
        memory_confidence: memoryConfidence(plan.context.references),
        max_output_tokens: maxOutputTokensFor(plan.agent),
        warnings: plan.warnings,
      };
    },
  };
}

export type ExecutionService = ReturnType<typeof createExecutionService>;
