import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { FinishReason } from 'ai';

/** One model call without tools: the common path of a turn (docs/decisions/0003). */
export interface DirectCallInput {
  model: LanguageModelV4;
  instructions: string;
  messages: readonly { role: 'user' | 'assistant'; content: string }[];
  maxOutputTokens: number;
  temperature: number;
  signal: AbortSignal;
  /** The provider's JSON mode, with the schema the answer must follow. */
  responseFormat?: LanguageModelV4CallOptions['responseFormat'];
  /** Streams the answer (`doStream`) and reports each piece of text as it arrives; else `doGenerate`. */
  onTextDelta?: ((text: string) => void) | undefined;
}

export interface DirectCallResult {
  text: string;
  tokens: { input_tokens: number; output_tokens: number };
  finishReason: FinishReason;
  responseTimeMs: number;
}

function promptOf(input: DirectCallInput): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (input.instructions) prompt.push({ role: 'system', content: input.instructions });
  for (const message of input.messages) {
    prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
  }
  return prompt;
}

const tokensOf = (usage: LanguageModelV4Usage | undefined) => ({
  input_tokens: usage?.inputTokens.total ?? 0,
  output_tokens: usage?.outputTokens.total ?? 0,
});

/**
 * Calls the provider model's `doGenerate` or `doStream` directly, as `streamText` would for a
 * single step without tools, at a fraction of its cost: no step machinery, no web-stream
 * transforms. Resilience and fallback still apply: they wrap the model itself. A failure is thrown
 * as it came (the turn classifies it).
 */
export async function callModelDirect(input: DirectCallInput): Promise<DirectCallResult> {
  const started = performance.now();
  const options: LanguageModelV4CallOptions = {
    prompt: promptOf(input),
    maxOutputTokens: input.maxOutputTokens,
    temperature: input.temperature,
    abortSignal: input.signal,
    ...(input.responseFormat ? { responseFormat: input.responseFormat } : {}),
  };
  if (!input.onTextDelta) {
    const result = await input.model.doGenerate(options);
    let text = '';
    for (const part of result.content) if (part.type === 'text') text += part.text;
    return {
      text,
      tokens: tokensOf(result.usage),
      finishReason: result.finishReason.unified,
      responseTimeMs: performance.now() - started,
    };
  }
  const { stream } = await input.model.doStream(options);
  const reader = stream.getReader();
  // An abort ends the call even when the provider's stream ignores the signal (streamText does
  // the same): the stream is cancelled, the pending read ends, and the signal's reason is thrown.
  const stopReading = () => {
    reader.cancel(input.signal.reason).catch(() => {});
  };
  input.signal.addEventListener('abort', stopReading, { once: true });
  if (input.signal.aborted) stopReading();
  let text = '';
  let finish: Extract<LanguageModelV4StreamPart, { type: 'finish' }> | undefined;
  try {
    for (;;) {
      const { value: part, done } = await reader.read();
      if (done) break;
      if (part.type === 'text-delta') {
        if (!part.delta) continue;
        text += part.delta;
        input.onTextDelta(part.delta);
      } else if (part.type === 'finish') {
        finish = part;
      } else if (part.type === 'error') {
        throw part.error;
      }
    }
  } catch (error) {
    // Stops the provider's response too, not only our reading of it.
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    input.signal.removeEventListener('abort', stopReading);
    reader.releaseLock();
  }
  input.signal.throwIfAborted();
  return {
    text,
    tokens: tokensOf(finish?.usage),
    finishReason: finish?.finishReason.unified ?? 'other',
    responseTimeMs: performance.now() - started,
  };
}
