import { shortenText, truncateText } from '../../platform/text/shorten.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { callModelDirect } from './direct-model-call.ts';
import type { ModelResolver } from './model-resolver.ts';

/** A summary enters every later turn's context: it is bounded, whoever writes it. */
export const THREAD_SUMMARY_MAX_CHARACTERS = 2_000;
/** An extractive summary's line: a message's first sentence, at most this long. */
const LINE_MAX_CHARACTERS = 160;
/** How much of each message the model reads: a summary call stays small whatever was pasted. */
const MESSAGE_INPUT_MAX_CHARACTERS = 2_000;
const SUMMARY_MAX_OUTPUT_TOKENS = 600;

const SUMMARY_INSTRUCTIONS = [
  'You keep a running summary of a conversation between a user and an AI assistant, so that the',
  'assistant remembers what is no longer in view. Update the summary with the new messages. Keep',
  "facts, names, numbers, decisions, commitments, open questions and the user's preferences; leave",
  'out small talk. Answer with the updated summary only, in the language of the conversation, in at',
  'most 250 words.',
].join(' ');

export interface SummarizedMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ThreadSummaryRequest {
  /** The summary so far; null for the first one. */
  previousSummary: string | null;
  /** The messages that fell out of the window since, oldest first. */
  messages: SummarizedMessage[];
  signal: AbortSignal;
}

/** Summarizes with the agent's model; the conversations module's summary job calls it. */
export type ThreadSummarizer = (
  principal: Principal,
  agentId: string,
  request: ThreadSummaryRequest,
) => Promise<string>;

/** A message's first sentence, on one line and at most LINE_MAX_CHARACTERS long. */
function firstSentence(content: string) {
  const line = content.replace(/\s+/g, ' ').trim();
  const sentence = /^.*?[.!?](?=\s|$)/u.exec(line)?.[0] ?? line;
  return shortenText(sentence, LINE_MAX_CHARACTERS);
}

/**
 * The offline model's summary, made deterministically in code: the previous summary's lines, then
 * one line per new message (`user: <first sentence>`). Over the bound the oldest lines go first.
 */
export function extractiveSummary(previousSummary: string | null, messages: SummarizedMessage[]): string {
  const lines = [
    ...(previousSummary ? previousSummary.split('\n') : []),
    ...messages.flatMap((message) => {
      const sentence = firstSentence(message.content);
      return sentence ? [`${message.role}: ${sentence}`] : [];
    }),
  ];
  const kept: string[] = [];
  let length = 0;
  for (const line of lines.toReversed()) {
    length += line.length + (kept.length > 0 ? 1 : 0);
    if (length > THREAD_SUMMARY_MAX_CHARACTERS) break;
    kept.push(line);
  }
  return kept.reverse().join('\n');
}

const summaryPrompt = ({ previousSummary, messages }: ThreadSummaryRequest) =>
  [
    'Summary so far:',
    previousSummary ?? '(none yet)',
    '',
    'New messages:',
    ...messages.map(
      (message) => `${message.role}: ${truncateText(message.content, MESSAGE_INPUT_MAX_CHARACTERS)}`,
    ),
  ].join('\n');

/**
 * Summaries with the agent's model, resolved as its turns resolve it (retries, circuit breaker,
 * fallback model). The built-in offline model does not summarize text well: when it is the
 * agent's model, or the fallback that answered, the summary is extractive. A failed call throws.
 */
export function createThreadSummarizer({
  agentForTurn,
  models,
}: {
  agentForTurn(principal: Principal, agentId: string): Promise<AgentView>;
  models: Pick<ModelResolver, 'resolve'>;
}): ThreadSummarizer {
  return async (principal, agentId, request) => {
    const agent = await agentForTurn(principal, agentId);
    const resolved = await models.resolve(principal, agent);
    if (resolved.primary.provider.type === 'offline') {
      return extractiveSummary(request.previousSummary, request.messages);
    }
    const result = await callModelDirect({
      model: resolved.model,
      instructions: SUMMARY_INSTRUCTIONS,
      messages: [{ role: 'user', content: summaryPrompt(request) }],
      maxOutputTokens: SUMMARY_MAX_OUTPUT_TOKENS,
      temperature: 0,
      signal: request.signal,
    });
    if (resolved.answered().provider.type === 'offline') {
      return extractiveSummary(request.previousSummary, request.messages);
    }
    const summary = result.text.trim();
    if (!summary) throw new Error('The model answered the summary request with no text');
    return truncateText(summary, THREAD_SUMMARY_MAX_CHARACTERS);
  };
}
