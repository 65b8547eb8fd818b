import type { TurnEvent, TurnSummary } from '../execution/index.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatFinishReason, ChatUsage } from './openai-schemas.ts';

/** What every chunk and the completion of one call share. */
export interface CompletionIdentity {
  /** Unix seconds, when the call arrived. */
  created: number;
  /** The agent's id: the model the client called, whichever name it used. */
  model: string;
}

/** The completion's id names the run that recorded it (GET /api/v1/runs/{id}). */
export const completionId = (runId: string) => `chatcmpl-${runId}`;

/** The tool loop ends with an answer, so only running out of tokens or a filter is worth telling. */
export function toFinishReason(finishReason: TurnSummary['finish_reason']): ChatFinishReason {
  if (finishReason === 'length') return 'length';
  if (finishReason === 'content-filter') return 'content_filter';
  return 'stop';
}

const toUsage = (usage: TurnSummary['usage']): ChatUsage => ({
  prompt_tokens: usage.input_tokens,
  completion_tokens: usage.output_tokens,
  total_tokens: usage.total_tokens,
});

export function toChatCompletion(summary: TurnSummary, identity: CompletionIdentity): ChatCompletion {
  return {
    id: completionId(summary.run_id),
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: summary.content, refusal: null },
        logprobs: null,
        finish_reason: toFinishReason(summary.finish_reason),
      },
    ],
    usage: toUsage(summary.usage),
  };
}

/**
 * Turns the events of a streamed turn into OpenAI's chunks: the role first (when the run starts),
 * then the text as it comes, then the finish reason, then (with `include_usage`) a chunk with the
 * usage and no choices. Tool calls are the agent's own, run server-side, so they are not chunks.
 */
export function chunkStream(
  identity: CompletionIdentity & { includeUsage: boolean },
  send: (chunk: ChatCompletionChunk) => void,
) {
  let id = '';
  const chunk = (
    choices: ChatCompletionChunk['choices'],
    usage: ChatUsage | null = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    choices,
    ...(identity.includeUsage ? { usage } : {}),
  });
  const delta = (
    fields: ChatCompletionChunk['choices'][number]['delta'],
    finishReason: ChatFinishReason | null = null,
  ) => chunk([{ index: 0, delta: fields, logprobs: null, finish_reason: finishReason }]);

  return (event: TurnEvent) => {
    switch (event.type) {
      case 'run-started':
        id = completionId(event.run_id);
        send(delta({ role: 'assistant', content: '' }));
        break;
      case 'text-delta':
        send(delta({ content: event.text }));
        break;
      case 'run-completed':
        send(delta({}, toFinishReason(event.finish_reason)));
        if (identity.includeUsage) send(chunk([], toUsage(event.usage)));
        break;
    }
  };
}
