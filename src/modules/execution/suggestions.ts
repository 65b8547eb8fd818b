import { callModelDirect } from './direct-model-call.ts';
import { type ModelCallLedger, recordModelCall } from './model-call-record.ts';

export const MAX_SUGGESTIONS = 3;
const MAX_SUGGESTION_LENGTH = 200;
const SUGGESTIONS_MAX_OUTPUT_TOKENS = 200;

export const DEFAULT_SUGGESTIONS_PROMPT =
  'Suggest up to three short follow-up questions the user could ask you next.';
const FORMAT_RULE = 'Write one suggestion per line, with no numbering and no other text.';

/** Lines of a model's answer as suggestions: bullets, numbering and quotes removed, at most three. */
export function parseSuggestions(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const cleaned = line
      .replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '')
      .replace(/^["“']|["”']$/g, '')
      .trim();
    if (cleaned && cleaned.length <= MAX_SUGGESTION_LENGTH) seen.add(cleaned);
    if (seen.size === MAX_SUGGESTIONS) break;
  }
  return [...seen];
}

/**
 * The offline model answers by quoting its context, which makes poor suggestions; offline
 * suggestions are derived from the user's message instead, deterministically.
 */
export function offlineSuggestions(userMessage: string): string[] {
  const topic = userMessage
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[?.!]+$/, '')
    .slice(0, 80);
  return [`Can you tell me more about "${topic}"?`, 'Can you give me an example?', 'What should I do next?'];
}

export interface SuggestionsInput extends ModelCallLedger {
  instructions: string;
  userMessage: string;
  answer: string;
  suggestionsPrompt: string | null;
  temperature: number;
  signal: AbortSignal;
}

/**
 * A second model call after the answer (show_suggestions_after_each_message): up to three
 * follow-ups the user might ask next, steered by the agent's suggestions_prompt. Recorded as an
 * llm_call action with purpose `suggestions` and metered with the run.
 */
export async function generateSuggestions(input: SuggestionsInput): Promise<string[]> {
  if (input.resolved.answered().provider.type === 'offline') return offlineSuggestions(input.userMessage);
  const request = `${input.suggestionsPrompt?.trim() || DEFAULT_SUGGESTIONS_PROMPT}\n${FORMAT_RULE}`;
  const result = await callModelDirect({
    model: input.resolved.model,
    instructions: input.instructions,
    messages: [
      { role: 'user', content: input.userMessage },
      { role: 'assistant', content: input.answer },
      { role: 'user', content: request },
    ],
    maxOutputTokens: SUGGESTIONS_MAX_OUTPUT_TOKENS,
    temperature: input.temperature,
    signal: input.signal,
  });
  const suggestions = parseSuggestions(result.text);
  recordModelCall(input, { purpose: 'suggestions', ...result, result: { suggestions } });
  return suggestions;
}
