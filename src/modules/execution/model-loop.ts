import {
  type FinishReason,
  isStepCount,
  jsonSchema,
  type LanguageModelUsage,
  type ModelMessage,
  streamText,
  ToolChoiceViolationError,
  type ToolSet,
  tool,
} from 'ai';
import { AppError } from '../../platform/http/errors.ts';
import { activeContext, inSpan } from '../../platform/observability/tracing.ts';
import { boundedJson } from '../../platform/text/bounded-json.ts';
import { storableJson } from '../../platform/text/storable.ts';
import type { RecordedAction } from '../runs/index.ts';
import type { AgentTool, AgentToolContext, ToolOrigin } from './agent-tool.ts';
import type { ContextMessage } from './context-pipeline.ts';
import { type ModelCallLedger, recordModelCall } from './model-call-record.ts';
import { modelFacingNames, redactedArguments } from './tool-call-record.ts';

/**
 * A tool call of the turn, as the API returns it: its input with secret-looking fields redacted,
 * its output as the model got it (cut past the size bound), how long it took and where it ran.
 */
export interface ToolCallRecord {
  id: string;
  name: string;
  input: unknown;
  output: unknown;
  success: boolean;
  duration_ms: number | null;
  origin: ToolOrigin;
}

/** What a turn streams to its caller while the model works. */
export type LoopEvent =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; id: string; name: string; input: unknown; origin: ToolOrigin }
  | {
      type: 'tool-result';
      id: string;
      name: string;
      output: unknown;
      success: boolean;
      duration_ms: number | null;
      origin: ToolOrigin;
    };

const BUILTIN: ToolOrigin = { kind: 'builtin' };

export interface ModelLoopInput extends ModelCallLedger {
  instructions: string;
  messages: ContextMessage[];
  tools: AgentTool[];
  toolContext: Omit<AgentToolContext, 'signal'>;
  maxSteps: number;
  /** A tool's result is cut to this many bytes of JSON before the model and the log see it. */
  toolResultMaxBytes: number;
  maxOutputTokens: number;
  temperature: number;
  signal: AbortSignal;
  onEvent: (event: LoopEvent) => void;
}

export interface ModelLoopResult {
  text: string;
  toolCalls: ToolCallRecord[];
  steps: number;
  /** Why the last model call stopped: `length` when it ran out of output tokens. */
  finishReason: FinishReason;
}

type ModelCallTokens = { input_tokens: number; output_tokens: number };

const tokensOf = (usage: LanguageModelUsage): ModelCallTokens => ({
  input_tokens: usage.inputTokens ?? 0,
  output_tokens: usage.outputTokens ?? 0,
});

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The agent's tools as AI SDK tools, under the names the model APIs accept; every execution
 * becomes a tool_call action, handed to `record` (the loop files it after the model call that
 * asked for it), and its duration is noted for the tool-result event.
 */
function toSdkTools(
  input: ModelLoopInput,
  byModelName: Map<string, AgentTool>,
  record: (toolCallId: string, action: RecordedAction) => void,
  durations: Map<string, number>,
): ToolSet {
  // Tool spans are the turn's children, whichever model call's stream runs them.
  const turnContext = activeContext();
  const entries = [...byModelName].map(([modelName, agentTool]) => [
    modelName,
    tool({
      description: agentTool.description,
      inputSchema: jsonSchema(agentTool.inputSchema),
      execute: async (toolInput: unknown, { toolCallId, abortSignal }) => {
        const started = performance.now();
        const done = (success: boolean, resultData: Record<string, unknown>) => {
          const executionTimeMs = performance.now() - started;
          durations.set(toolCallId, Math.round(executionTimeMs * 100) / 100);
          record(toolCallId, {
            actionType: 'tool_call',
            actionData: storableJson({
              tool: agentTool.name,
              tool_call_id: toolCallId,
              input: redactedArguments(toolInput ?? {}),
              origin: agentTool.origin ?? BUILTIN,
            }),
            resultData: storableJson(resultData),
            success,
            executionTimeMs,
            at: new Date(),
          });
        };
        try {
          const toolSpan = {
            parent: turnContext,
            attributes: {
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': agentTool.name,
              'gen_ai.tool.call.id': toolCallId,
              'agentry.tool.origin': (agentTool.origin ?? BUILTIN).kind,
            },
          };
          const output = boundedJson(
            await inSpan(`execute_tool ${agentTool.name}`, toolSpan, () =>
              agentTool.execute(toolInput, { ...input.toolContext, signal: abortSignal ?? input.signal }),
            ),
            input.toolResultMaxBytes,
          );
          done(true, { output });
          return output;
        } catch (error) {
          done(false, { error: errorMessage(error) });
          throw error;
        }
      },
    }),
  ]);
  return Object.fromEntries(entries);
}

/**
 * One call of the AI SDK tool loop: streams the model's answer, runs the tools it calls, and
 * stops at an answer or after `maxSteps` model calls, the last of which may not call tools (so
 * that it answers). Every model call is recorded as an llm_call action and metered; a failure is
 * thrown as it came (the turn classifies it).
 */
export async function runModelLoop(input: ModelLoopInput): Promise<ModelLoopResult> {
  // Tools run inside a model step, before the step reports its usage: their actions wait so that
  // the log reads in causal order (the model call, then the tool calls it asked for, in the order
  // it asked for them, however their concurrent executions finished).
  const toolActions: { toolCallId: string; action: RecordedAction }[] = [];
  const toolCalls = new Map<string, ToolCallRecord>();
  const askedOrder = (toolCallId: string) => [...toolCalls.keys()].indexOf(toolCallId);
  const fileToolActions = () => {
    const ended = toolActions.splice(0);
    ended.sort((a, b) => askedOrder(a.toolCallId) - askedOrder(b.toolCallId));
    for (const { action } of ended) input.actions.record(action);
  };
  const byModelName = modelFacingNames(input.tools);
  const durations = new Map<string, number>();
  const tools = toSdkTools(
    input,
    byModelName,
    (toolCallId, action) => toolActions.push({ toolCallId, action }),
    durations,
  );
  const catalogName = (modelName: string) => byModelName.get(modelName)?.name ?? modelName;
  const originOf = (modelName: string) => byModelName.get(modelName)?.origin ?? BUILTIN;
  // What each model call reported as it ended, before its tools ran: a step that an abort cuts
  // short (in a tool) never finishes, yet its tokens were spent and must be filed and metered.
  const modelCallEnds: { finishReason: FinishReason; tokens: ModelCallTokens; responseTimeMs: number }[] = [];
  const hasTools = input.tools.length > 0;
  const messages: ModelMessage[] = input.messages.map((message) => ({
    role: message.role,
    content: message.content,
  }));
  const result = streamText({
    model: input.resolved.model,
    instructions: input.instructions,
    messages,
    ...(hasTools ? { tools } : {}),
    stopWhen: isStepCount(input.maxSteps),
    prepareStep: ({ stepNumber }) =>
      hasTools && stepNumber === input.maxSteps - 1 ? { toolChoice: 'none' as const } : undefined,
    maxOutputTokens: input.maxOutputTokens,
    temperature: input.temperature,
    abortSignal: input.signal,
    // Retries live in withResilience, where they are bounded and honour the circuit breaker.
    maxRetries: 0,
    onError: () => {},
    onLanguageModelCallEnd: ({ finishReason, usage, performance }) => {
      modelCallEnds.push({
        finishReason,
        tokens: tokensOf(usage),
        responseTimeMs: performance.responseTimeMs,
      });
    },
  });

  const stepTexts: string[] = [];
  let stepText = '';
  let finishReason: FinishReason = 'other';
  let failure: unknown;
  let aborted = false;
  for await (const part of result.stream) {
    switch (part.type) {
      case 'text-delta':
        stepText += part.text;
        input.onEvent({ type: 'text-delta', text: part.text });
        break;
      case 'tool-call': {
        const call: ToolCallRecord = {
          id: part.toolCallId,
          name: catalogName(part.toolName),
          input: redactedArguments(part.input),
          output: null,
          success: false,
          duration_ms: null,
          origin: originOf(part.toolName),
        };
        toolCalls.set(part.toolCallId, call);
        input.onEvent({
          type: 'tool-call',
          id: call.id,
          name: call.name,
          input: call.input,
          origin: call.origin,
        });
        break;
      }
      case 'tool-result':
      case 'tool-error': {
        const success = part.type === 'tool-result';
        const output = success ? part.output : { error: errorMessage(part.error) };
        const duration_ms = durations.get(part.toolCallId) ?? null;
        const name = catalogName(part.toolName);
        const origin = originOf(part.toolName);
        const call = toolCalls.get(part.toolCallId);
        if (call) Object.assign(call, { output, success, duration_ms });
        input.onEvent({
          type: 'tool-result',
          id: part.toolCallId,
          name,
          output,
          success,
          duration_ms,
          origin,
        });
        break;
      }
      case 'finish-step': {
        recordModelCall(input, {
          step: stepTexts.length + 1,
          finishReason: part.finishReason,
          tokens: tokensOf(part.usage),
          responseTimeMs: part.performance.responseTimeMs,
          result: { text_length: stepText.length },
        });
        fileToolActions();
        finishReason = part.finishReason;
        stepTexts.push(stepText);
        stepText = '';
        break;
      }
      case 'error':
        failure ??= part.error;
        break;
      case 'abort':
        aborted = true;
        break;
    }
  }
  // Each finished step consumed one model call's end; the rest belong to steps cut short.
  for (const [index, call] of modelCallEnds.slice(stepTexts.length).entries()) {
    recordModelCall(input, {
      step: stepTexts.length + 1 + index,
      ...call,
      result: { text_length: index === 0 ? stepText.length : 0 },
    });
  }
  fileToolActions();
  if (aborted || input.signal.aborted) throw input.signal.reason ?? new Error('aborted');
  const loopedOut = () =>
    new AppError(
      'max_iterations_reached',
      `The model kept calling tools for ${input.maxSteps} steps (max_iterations) without answering`,
      { status: 502, category: 'third_party', details: { steps: stepTexts.length } },
    );
  // The last step forbids tools; a model that calls one anyway has not answered within the bound.
  if (ToolChoiceViolationError.isInstance(failure)) throw loopedOut();
  if (failure !== undefined) throw failure;

  const text = (stepTexts.findLast((candidate) => candidate.trim() !== '') ?? '').trim();
  if (!text) {
    if (stepTexts.length >= input.maxSteps && toolCalls.size > 0) throw loopedOut();
    throw new AppError('empty_response', 'The model returned an empty answer', {
      status: 502,
      category: 'third_party',
      details: { steps: stepTexts.length },
    });
  }
  return { text, toolCalls: [...toolCalls.values()], steps: stepTexts.length, finishReason };
}
