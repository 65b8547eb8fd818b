/** Mock models and a turn around them, for the unit tests of `answerTurn` and the tool loop. */
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { convertArrayToReadableStream, type MockLanguageModelV4 } from 'ai/test';
import { expect } from 'vitest';
import { z } from 'zod';
import { type AgentToolContext, defineTool } from '../../src/modules/execution/agent-tool.ts';
import type { LoopEvent } from '../../src/modules/execution/model-loop.ts';
import type { ModelChoice } from '../../src/modules/execution/model-resolver.ts';
import { createUsageMeter } from '../../src/modules/execution/pricing.ts';
import type { AnswerInput } from '../../src/modules/execution/turn-answer.ts';
import { createActionLog } from '../../src/modules/runs/index.ts';
import type { Principal } from '../../src/modules/tenancy/index.ts';

export const usage = (input: number, output: number): LanguageModelV4Usage => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
export const stop: LanguageModelV4FinishReason = { unified: 'stop', raw: 'stop' };
export const toolCallsFinish: LanguageModelV4FinishReason = { unified: 'tool-calls', raw: 'tool_calls' };

export const generated = (
  content: string | LanguageModelV4Content[],
  tokens = usage(10, 5),
  finishReason = stop,
) => ({
  content: typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content,
  finishReason,
  usage: tokens,
  warnings: [],
});
export const streamOf = (parts: LanguageModelV4StreamPart[]): LanguageModelV4StreamResult => ({
  stream: convertArrayToReadableStream(parts),
});
export const streamedText = (pieces: string[], tokens = usage(10, 5)) =>
  streamOf([
    { type: 'text-start', id: 'text-1' },
    ...pieces.map((delta) => ({ type: 'text-delta' as const, id: 'text-1', delta })),
    { type: 'text-end', id: 'text-1' },
    { type: 'finish', finishReason: stop, usage: tokens },
  ]);
export const streamedToolCall = (id: string, input: unknown, tokens = usage(10, 5)) =>
  streamOf([
    { type: 'tool-call', toolCallId: id, toolName: 'lookup_invoice', input: JSON.stringify(input) },
    { type: 'finish', finishReason: toolCallsFinish, usage: tokens },
  ]);

/**
 * A provider stream that sends `parts` and stays open: `state.cancelled` is the reason it was
 * cancelled with; with `erroredBy`, it errors when that signal aborts (fetch-like), else it ignores it.
 */
export function openStream(parts: LanguageModelV4StreamPart[], erroredBy?: AbortSignal) {
  const state: { cancelled?: unknown } = {};
  const stream = new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      // As fetch does: an abort errors the response body with the signal's reason.
      erroredBy?.addEventListener('abort', () => controller.error(erroredBy.reason), { once: true });
    },
    cancel(reason) {
      state.cancelled = reason;
    },
  });
  return { stream, state };
}

export const prices = { 'mock-model': { input: 1, output: 2 } };
export const costOf = (input: number, output: number) => (input + output * 2) / 1_000_000;
export const primary: ModelChoice = {
  provider: { id: 'p', name: 'Mock', type: 'openai_compatible' },
  modelId: 'mock-model',
};
export const principal: Principal = {
  organizationId: 'org-1',
  role: 'agent_user',
  userId: 'user-1',
  apiKeyId: null,
};
export const toolContext = {
  principal,
  agent: { id: 'agent-1', name: 'Support' },
  sessionId: 'session-1',
  sessionStored: true,
  runId: 'run-1',
};
export const instructions = 'You are a support agent.';
export const messages: AnswerInput['messages'] = [
  { role: 'user', content: 'My invoice is wrong', source: 'thread', tokens: 5 },
  { role: 'assistant', content: 'Which invoice?', source: 'thread', tokens: 3 },
  { role: 'user', content: 'INV-7', source: 'user_message', tokens: 2 },
];
export const prompt: LanguageModelV4CallOptions['prompt'] = [
  { role: 'system', content: instructions },
  ...messages.map(({ role, content }) => ({ role, content: [{ type: 'text' as const, text: content }] })),
];

export function turnWith(model: MockLanguageModelV4, options: Partial<AnswerInput> = {}) {
  const actions = createActionLog();
  const meter = createUsageMeter(prices);
  const events: LoopEvent[] = [];
  const input: AnswerInput = {
    resolved: {
      model,
      primary,
      fallback: null,
      answered: () => primary,
      fallbackUsed: () => false,
      warnings: [],
    },
    actions,
    meter,
    instructions,
    messages,
    tools: [],
    toolContext,
    maxSteps: 5,
    toolResultMaxBytes: 65_536,
    maxOutputTokens: 256,
    temperature: 0.2,
    signal: new AbortController().signal,
    ...options,
  };
  return {
    input,
    actions: () => actions.all(),
    meter,
    events,
    collect: (event: LoopEvent) => events.push(event),
  };
}

export const llmCall = (
  call: { step?: number; purpose?: string; finishReason?: string },
  [inputTokens, outputTokens]: [number, number],
  result: Record<string, unknown>,
) => ({
  actionType: 'llm_call',
  actionData: {
    ...(call.step ? { step: call.step } : {}),
    ...(call.purpose ? { purpose: call.purpose } : {}),
    model: 'mock-model',
    provider_id: 'p',
    provider_name: 'Mock',
  },
  resultData: {
    finish_reason: call.finishReason ?? 'stop',
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
    },
    ...result,
  },
  success: call.finishReason !== 'error',
  executionTimeMs: expect.any(Number),
  at: expect.any(Date),
});
export const toolCall = (
  id: string,
  input: unknown,
  resultData: Record<string, unknown>,
  success = true,
) => ({
  actionType: 'tool_call',
  actionData: { tool: 'lookup_invoice', tool_call_id: id, input, origin: { kind: 'builtin' } },
  resultData,
  success,
  executionTimeMs: expect.any(Number),
  at: expect.any(Date),
});

export function invoiceTool(behaviour?: (context: AgentToolContext) => Promise<unknown>) {
  const received: { input: unknown; context: AgentToolContext }[] = [];
  const tool = defineTool({
    name: 'lookup_invoice',
    description: 'Looks an invoice up by its number',
    input: z.object({ number: z.string().trim().toUpperCase(), lines: z.boolean().default(false) }),
    execute: async (input, context) => {
      received.push({ input, context });
      return behaviour ? behaviour(context) : { number: input.number, total: 42 };
    },
  });
  return { tool, received };
}
