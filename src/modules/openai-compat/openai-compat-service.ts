import type { AgentService } from '../agents/index.ts';
import type { TurnEngine } from '../execution/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { createAgentModels } from './agent-models.ts';
import { chunkStream, toChatCompletion } from './chat-completion-views.ts';
import { toTurnConversation } from './openai-messages.ts';
import type { ChatCompletionBody, ChatCompletionChunk } from './openai-schemas.ts';

export interface OpenAiCompatDependencies {
  agents: Pick<AgentService, 'get' | 'list'>;
  turns: Pick<TurnEngine, 'run'>;
}

export interface CompletionOptions {
  /** Aborted when the client goes away: the turn stops and its run ends cancelled. */
  signal?: AbortSignal | undefined;
  /** Streams the answer as OpenAI chunks while the turn runs. */
  onChunk?: ((chunk: ChatCompletionChunk) => void) | undefined;
}

const unixSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The OpenAI-compatible facade: the organization's agents as models, and chat completions that
 * are turns of the agent (trigger `api`, no session; the client sends the conversation), run by
 * the execution module's turn runner like every other trigger.
 */
export function createOpenAiCompatService({ agents, turns }: OpenAiCompatDependencies) {
  const models = createAgentModels(agents);

  return {
    listModels: (principal: Principal) => models.list(principal),

    getModel: (principal: Principal, model: string) => models.describe(principal, model),

    async complete(principal: Principal, body: ChatCompletionBody, options: CompletionOptions = {}) {
      const agent = await models.resolve(principal, body.model);
      const { message, history } = toTurnConversation(body.messages);
      const identity = { created: unixSeconds(), model: agent.id };
      const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
      const summary = await turns.run(
        {
          principal,
          agentId: agent.id,
          trigger: 'api',
          message,
          history,
          metadata: body.user ? { user: body.user } : undefined,
          temperature: body.temperature ?? undefined,
          maxOutputTokens: maxTokens,
        },
        {
          signal: options.signal,
          onEvent: options.onChunk
            ? chunkStream(
                { ...identity, includeUsage: body.stream_options?.include_usage === true },
                options.onChunk,
              )
            : undefined,
        },
      );
      return toChatCompletion(summary, identity);
    },
  };
}

export type OpenAiCompatService = ReturnType<typeof createOpenAiCompatService>;
