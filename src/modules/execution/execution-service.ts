import { BadRequestError } from '../../platform/http/errors.ts';
import type { AgentService } from '../agents/index.ts';
import type { Conversations } from '../conversations/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ToolCatalog } from './agent-tools.ts';
import { assembleContext, type ContextSource } from './context-pipeline.ts';
import type { ExecuteBody, ExecutionResponse } from './execution-schemas.ts';
import type { ModelResolver, ProviderDirectory } from './model-resolver.ts';
import type { Page, RunFilters } from './run-repository.ts';
import type { RunService } from './run-service.ts';
import type { ActionType } from './run-tables.ts';
import { maxOutputTokensFor } from './system-prompt-source.ts';
import { requireRunnable, type TurnOptions, type TurnRunner, type TurnSummary } from './turn.ts';

export interface ExecutionServiceDependencies {
  agents: Pick<AgentService, 'get'>;
  conversations: Pick<Conversations, 'getOrCreateSession'>;
  providers: ProviderDirectory;
  runs: RunService;
  models: ModelResolver;
  turns: TurnRunner;
  tools: ToolCatalog;
  /** The sources of a chat turn's context, as the turn uses them (for previews). */
  contextSources: ContextSource[];
}

export const toExecutionResponse = (summary: TurnSummary): ExecutionResponse => ({
  session_id: summary.session_id as string,
  message_id: summary.message_id as string,
  user_message_id: summary.user_message_id as string,
  run_id: summary.run_id,
  content: summary.content,
  tool_calls: summary.tool_calls,
  metadata: {
    usage: summary.usage,
    cost_estimate: summary.cost_estimate,
    model: summary.model,
    provider: summary.provider,
    fallback_used: summary.fallback_used,
    ...(summary.suggestions ? { suggestions: summary.suggestions } : {}),
    warnings: summary.warnings,
  },
  execution_time_ms: summary.execution_time_ms,
});

/** Executing agents (chat, test, preview) and reading what their runs did. */
export function createExecutionService(dependencies: ExecutionServiceDependencies) {
  const { agents, providers, runs, models, turns } = dependencies;

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

  return {
    /** `stream` when the request says so, else the agent's use_streaming. */
    async wantsStream(principal: Principal, agentId: string, requested: boolean | undefined) {
      if (requested !== undefined) return requested;
      return (await agents.get(principal, agentId)).use_streaming;
    },

    /** One chat turn; events stream through `options.onEvent` while it runs. */
    async execute(principal: Principal, agentId: string, body: ExecuteBody, options: TurnOptions = {}) {
      const summary = await turns.run(
        {
          principal,
          agentId,
          trigger: 'chat',
          message: body.message,
          sessionId: body.session_id,
          userId: body.user_id,
          metadata: body.metadata,
        },
        options,
      );
      return toExecutionResponse(summary);
    },

    /** POST /agents/{id}/test (seed 003): one prompt, no session, the provider must be validated. */
    async test(principal: Principal, agentId: string, prompt: string) {
      const agent = await agents.get(principal, agentId);
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

    /** What the model would see for this message, without calling it or storing anything. */
    async preview(
      principal: Principal,
      agentId: string,
      body: { message: string; session_id?: string | undefined },
    ) {
      const agent = await agents.get(principal, agentId);
      // The same checks as a turn: the session must be this agent's (and the organization's).
      if (body.session_id) {
        await dependencies.conversations.getOrCreateSession(principal, {
          sessionId: body.session_id,
          agentId,
        });
      }
      const { primary, warnings } = await models.describe(principal, agent);
      const { tools, unknown } = dependencies.tools.select(agent.tools);
      const context = await assembleContext(dependencies.contextSources, {
        principal,
        agent,
        sessionId: body.session_id ?? null,
        message: body.message,
      });
      return {
        agent_id: agent.id,
        agent_version: agent.version,
        model: primary.modelId,
        provider: primary.provider,
        system_prompt: context.instructions,
        messages: context.messages,
        tools: tools.map((tool) => tool.name),
        budget_tokens: context.budgetTokens,
        estimated_tokens: context.estimatedTokens,
        sections: context.sections,
        dropped: context.dropped,
        max_output_tokens: maxOutputTokensFor(agent),
        warnings: [...unknown.map((name) => `Unknown tool "${name}" ignored`), ...warnings],
      };
    },

    listRuns: (principal: Principal, filters: RunFilters, page: Page) => runs.list(principal, filters, page),

    getRun: (principal: Principal, runId: string) => runs.get(principal, runId),

    async agentActions(
      principal: Principal,
      agentId: string,
      filters: { action_type?: ActionType | undefined; run_id?: string | undefined },
      page: Page,
    ) {
      await agents.get(principal, agentId);
      return runs.listAgentActions(principal, agentId, filters, page);
    },

    health: (principal: Principal) => models.healthOf(principal),
  };
}

export type ExecutionService = ReturnType<typeof createExecutionService>;
