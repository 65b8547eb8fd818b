import type { FinishReason, JSONSchema7 } from 'ai';
import { AppError } from '../../platform/http/errors.ts';
import { storableJson, storableText } from '../../platform/text/storable.ts';
import { callModelDirect } from './direct-model-call.ts';
import { recordModelCall } from './model-call-record.ts';
import { type LoopEvent, type ModelLoopInput, runModelLoop, type ToolCallRecord } from './model-loop.ts';
import { parseStructuredAnswer, repairRequest, StructuredOutputError } from './structured-output.ts';

/** What the tool loop takes, and what a direct call and structured output need besides. */
export interface AnswerInput extends Omit<ModelLoopInput, 'onEvent'> {
  /** The answer must be a JSON object valid against it (one repair attempt, then an error). */
  responseSchema?: JSONSchema7 | undefined;
  /** Set when the caller streams: text arrives as `text-delta` events. */
  onEvent?: ((event: LoopEvent) => void) | undefined;
}

export interface TurnAnswer {
  text: string;
  toolCalls: ToolCallRecord[];
  steps: number;
  finishReason: FinishReason;
  structuredOutput: Record<string, unknown> | null;
}

const emptyAnswer = (steps: number) =>
  new AppError('empty_response', 'The model returned an empty answer', {
    status: 502,
    category: 'third_party',
    details: { steps },
  });

/** Without tools, one direct model call answers (docs/decisions/0003). */
async function answerDirectly(input: AnswerInput): Promise<TurnAnswer> {
  const onEvent = input.onEvent;
  const result = await callModelDirect({
    model: input.resolved.model,
    instructions: input.instructions,
    messages: input.messages,
    maxOutputTokens: input.maxOutputTokens,
    temperature: input.temperature,
    signal: input.signal,
    ...(input.responseSchema ? { responseFormat: { type: 'json', schema: input.responseSchema } } : {}),
    // A structured answer is validated before anyone sees it, so it is not streamed.
    onTextDelta:
      onEvent && !input.responseSchema ? (text) => onEvent({ type: 'text-delta', text }) : undefined,
  });
  recordModelCall(input, { step: 1, ...result, result: { text_length: result.text.length } });
  const text = result.text.trim();
  if (!text) throw emptyAnswer(1);
  return { text, toolCalls: [], steps: 1, finishReason: result.finishReason, structuredOutput: null };
}

/**
 * Validates a structured answer against the turn's schema; an invalid one gets one repair call
 * that tells the model what was wrong, then the turn fails with `invalid_structured_output`.
 */
async function structured(input: AnswerInput, schema: JSONSchema7, answer: TurnAnswer): Promise<TurnAnswer> {
  const first = parseStructuredAnswer(answer.text, schema);
  if (first.ok) return { ...answer, text: JSON.stringify(first.value), structuredOutput: first.value };
  const repair = await callModelDirect({
    model: input.resolved.model,
    instructions: input.instructions,
    messages: [
      ...input.messages,
      { role: 'assistant', content: answer.text },
      { role: 'user', content: repairRequest(first.problems) },
    ],
    maxOutputTokens: input.maxOutputTokens,
    temperature: input.temperature,
    signal: input.signal,
    responseFormat: { type: 'json', schema },
  });
  recordModelCall(input, {
    purpose: 'repair',
    ...repair,
    result: { text_length: repair.text.length, problems: first.problems },
  });
  const second = parseStructuredAnswer(repair.text, schema);
  if (!second.ok) throw new StructuredOutputError(second.problems, undefined, repair.text);
  return {
    ...answer,
    text: JSON.stringify(second.value),
    steps: answer.steps + 1,
    finishReason: repair.finishReason,
    structuredOutput: second.value,
  };
}

/**
 * The schema in the instructions as well: a provider whose JSON mode takes no schema (or a model
 * that ignores it) still learns the shape it must answer in.
 */
const withAnswerFormat = (instructions: string, schema: JSONSchema7) =>
  `${instructions}\n\n# Answer format\nAnswer with only a JSON object that is valid against this JSON Schema:\n${JSON.stringify(schema)}`;

/**
 * The model's answer to a turn: one direct call when the agent has no tools (the common path),
 * the AI SDK's tool loop otherwise; then, when the turn carries a response schema, validation with
 * one repair attempt. Every model call is filed as an llm_call action and metered.
 */
export async function answerTurn(turn: AnswerInput): Promise<TurnAnswer> {
  const input = turn.responseSchema
    ? { ...turn, instructions: withAnswerFormat(turn.instructions, turn.responseSchema) }
    : turn;
  const answer =
    input.tools.length === 0
      ? await answerDirectly(input)
      : {
          ...(await runModelLoop({ ...input, onEvent: input.onEvent ?? (() => {}) })),
          structuredOutput: null,
        };
  const final = input.responseSchema ? await structured(input, input.responseSchema, answer) : answer;
  // The answer and its tool calls are stored with the turn's end.
  return {
    ...final,
    text: storableText(final.text),
    toolCalls: final.toolCalls.length === 0 ? final.toolCalls : storableJson(final.toolCalls),
  };
}
