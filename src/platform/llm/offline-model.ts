import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { mostRelevantPassage } from './relevant-passage.ts';
import { instanceFor } from './schema-instance.ts';

export const OFFLINE_MODEL_ID = 'agentry-offline';
export const OFFLINE_PREFIX = '[offline model]';

const textOf = (message: LanguageModelV4Message): string =>
  typeof message.content === 'string'
    ? message.content
    : message.content
        .map((part) => ('text' in part && typeof part.text === 'string' ? part.text : ''))
        .join(' ');

/** Rough token count (4 characters a token), enough for usage accounting of a model that costs nothing. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** The tool the user named (by its name, underscores read as spaces), with a best-effort input. */
function requestedToolCall(tools: LanguageModelV4FunctionTool[], question: string) {
  const lowered = question.toLowerCase();
  const tool = tools.find(
    (candidate) =>
      lowered.includes(candidate.name.toLowerCase()) ||
      lowered.includes(candidate.name.toLowerCase().replaceAll('_', ' ')),
  );
  if (!tool) return undefined;
  const properties =
    (tool.inputSchema as { properties?: Record<string, { type?: string }> }).properties ?? {};
  const input: Record<string, string> = {};
  for (const [name, schema] of Object.entries(properties))
    if (schema.type === 'string') input[name] = question;
  return {
    type: 'tool-call' as const,
    toolCallId: `offline-call-${tool.name}`,
    toolName: tool.name,
    input: JSON.stringify(input),
  };
}

/** The offline answer in words: what a tool returned, what the user said, the passage it matches. */
function answerText(prompt: LanguageModelV4Message[], question: LanguageModelV4Message | undefined): string {
  const questionText = question ? textOf(question) : '';
  const last = prompt.at(-1);
  const lines = [
    `${OFFLINE_PREFIX} I answer from this agent's instructions and conversation, without a language model.`,
  ];
  if (last?.role === 'tool') {
    for (const part of last.content) {
      if (part.type === 'tool-result')
        lines.push(
          `The ${part.toolName} tool returned: ${JSON.stringify(part.output.type === 'execution-denied' ? part.output : part.output.value)}`,
        );
    }
  }
  if (questionText) lines.push(`You said: "${questionText.slice(0, 300)}"`);
  const context = prompt.filter((message) => message !== question).map(textOf);
  const passage = mostRelevantPassage(context, questionText);
  lines.push(
    passage ? `Most relevant: "${passage.slice(0, 500)}"` : 'Nothing in my context matches that yet.',
  );
  return lines.join('\n');
}

/** JSON mode: an object valid against the schema, built from the context; without one, the answer wrapped. */
function jsonAnswer(
  prompt: LanguageModelV4Message[],
  question: LanguageModelV4Message | undefined,
  schema: object | undefined,
): string {
  if (!schema) return JSON.stringify({ answer: answerText(prompt, question) });
  const passages = prompt.filter((message) => message !== question).map(textOf);
  return JSON.stringify(instanceFor(schema, { question: question ? textOf(question) : '', passages }));
}

function respond(options: LanguageModelV4CallOptions): {
  content: LanguageModelV4Content[];
  usage: LanguageModelV4Usage;
} {
  const prompt = options.prompt;
  const question = [...prompt].reverse().find((message) => message.role === 'user');
  const inputTokens = estimateTokens(prompt.map(textOf).join('\n'));
  const format = options.responseFormat;

  if (format?.type !== 'json' && prompt.at(-1)?.role === 'user') {
    const functionTools = (options.tools ?? []).filter(
      (tool): tool is LanguageModelV4FunctionTool => tool.type === 'function',
    );
    const call = requestedToolCall(functionTools, question ? textOf(question) : '');
    if (call) return { content: [call], usage: usageOf(inputTokens, estimateTokens(call.input)) };
  }

  const text =
    format?.type === 'json' ? jsonAnswer(prompt, question, format.schema) : answerText(prompt, question);
  return { content: [{ type: 'text', text }], usage: usageOf(inputTokens, estimateTokens(text)) };
}

function usageOf(input: number, output: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

/**
 * Agentry's built-in model (DESIGN section 6): no network, no key, deterministic. It quotes the
 * context passage most relevant to the user's message, calls a tool when the user names one, and
 * always says that it is the offline model. Asked for JSON (`responseFormat`), it answers with an
 * object valid against the given schema, built from the same context, and calls no tools.
 */
export function createOfflineModel(): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'offline',
    modelId: OFFLINE_MODEL_ID,
    supportedUrls: {},
    async doGenerate(options) {
      options.abortSignal?.throwIfAborted();
      const { content, usage } = respond(options);
      const finish = content.some((part) => part.type === 'tool-call') ? 'tool-calls' : 'stop';
      return { content, usage, finishReason: { unified: finish, raw: finish }, warnings: [] };
    },
    async doStream(options) {
      options.abortSignal?.throwIfAborted();
      const { content, usage } = respond(options);
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      for (const item of content) {
        if (item.type === 'text') {
          parts.push({ type: 'text-start', id: 'text-0' });
          for (const word of item.text.match(/\S+\s*/g) ?? [])
            parts.push({ type: 'text-delta', id: 'text-0', delta: word });
          parts.push({ type: 'text-end', id: 'text-0' });
        } else {
          parts.push(item as LanguageModelV4StreamPart);
        }
      }
      const finish = content.some((part) => part.type === 'tool-call') ? 'tool-calls' : 'stop';
      parts.push({ type: 'finish', usage, finishReason: { unified: finish, raw: finish } });
      const signal = options.abortSignal;
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          pull(controller) {
            if (signal?.aborted) return controller.error(signal.reason);
            const next = parts.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        }),
      };
    },
  };
}
