import { BadRequestError } from '../../platform/http/errors.ts';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';

/** The usual estimate of four characters a token: deterministic, provider-independent. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/** A message of a conversation the caller supplies with its request, instead of a stored session. */
export interface ProvidedMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What a context source may look at to contribute to one turn. */
export interface ContextRequest {
  principal: Principal;
  agent: AgentView;
  /**
   * A session the caller already opened for this request (getOrCreateSession: the organization's,
   * the agent's), so sources read it without checking it again. Null for turns without a session
   * (the test endpoint, the OpenAI-compatible facade).
   */
  sessionId: string | null;
  message: string;
  /** The conversation before `message` when the caller holds it (OpenAI semantics), oldest first. */
  history?: ProvidedMessage[] | undefined;
}

/** One piece of what the model sees. */
export interface ContextPart {
  /** The source that produced it: system_prompt, initial_context, thread, user_message, ... */
  source: string;
  /** Instruction parts are joined, in source order, into the system prompt; message parts form the conversation. */
  placement: 'instructions' | 'message';
  role: 'user' | 'assistant';
  content: string;
  /**
   * Parts with a drop rank may be left out when the context exceeds its budget, lowest rank first;
   * parts without one are always kept. The thread ranks its messages oldest first, so the oldest
   * go first; a knowledge or memory source ranks its passages by relevance.
   */
  dropRank?: number;
}

/**
 * A contributor to the context. Sources run in the order they are given, and their parts keep that
 * order; adding knowledge or memory is adding a source.
 */
export interface ContextSource {
  name: string;
  collect(request: ContextRequest): Promise<ContextPart[]>;
}

export interface ContextMessage {
  role: 'user' | 'assistant';
  content: string;
  source: string;
  tokens: number;
}

export interface AssembledContext {
  /** The system prompt. */
  instructions: string;
  /** The conversation, oldest first, ending with the user's message. */
  messages: ContextMessage[];
  budgetTokens: number;
  estimatedTokens: number;
  /** Every source's share of the budget, and whether any of it made it in. */
  sections: { source: string; tokens: number; included: boolean }[];
  /** Parts left out to fit the budget, in their original order. */
  dropped: ContextMessage[];
}

const INSTRUCTION_SEPARATOR = '\n\n';

const toMessage = (part: ContextPart): ContextMessage => ({
  role: part.role,
  content: part.content,
  source: part.source,
  tokens: estimateTokens(part.content),
});

/**
 * Keeps every part without a drop rank and as many ranked parts as fit in `budgetTokens`, leaving
 * out the lowest ranks first. Throws `context_too_large` when the parts that cannot be dropped
 * alone exceed the budget.
 */
export function fitToBudget(parts: ContextPart[], budgetTokens: number) {
  const cost = (part: ContextPart) => estimateTokens(part.content);
  const fixed = parts
    .filter((part) => part.dropRank === undefined)
    .reduce((sum, part) => sum + cost(part), 0);
  if (fixed > budgetTokens) {
    throw new BadRequestError(
      'context_too_large',
      `The agent's instructions and the message need about ${fixed} tokens, more than its max_context_size of ${budgetTokens}`,
      { estimated_tokens: fixed, max_context_size: budgetTokens },
    );
  }
  const droppable = parts
    .filter((part) => part.dropRank !== undefined)
    .sort((left, right) => (left.dropRank ?? 0) - (right.dropRank ?? 0));
  let total = parts.reduce((sum, part) => sum + cost(part), 0);
  const dropped = new Set<ContextPart>();
  for (const part of droppable) {
    if (total <= budgetTokens) break;
    dropped.add(part);
    total -= cost(part);
  }
  return {
    kept: parts.filter((part) => !dropped.has(part)),
    dropped: parts.filter((part) => dropped.has(part)),
    estimatedTokens: total,
  };
}

/** Runs the sources in order and fits what they contribute into the agent's max_context_size. */
export async function assembleContext(
  sources: ContextSource[],
  request: ContextRequest,
): Promise<AssembledContext> {
  const parts: ContextPart[] = [];
  for (const source of sources) parts.push(...(await source.collect(request)));
  const budgetTokens = request.agent.max_context_size;
  const { kept, dropped, estimatedTokens } = fitToBudget(parts, budgetTokens);

  const sections = new Map<string, { source: string; tokens: number; included: boolean }>();
  for (const part of parts) {
    const section = sections.get(part.source) ?? { source: part.source, tokens: 0, included: false };
    section.tokens += estimateTokens(part.content);
    sections.set(part.source, section);
  }
  for (const part of kept) {
    const section = sections.get(part.source);
    if (section) section.included = true;
  }
  return {
    instructions: kept
      .filter((part) => part.placement === 'instructions')
      .map((part) => part.content)
      .join(INSTRUCTION_SEPARATOR),
    messages: kept.filter((part) => part.placement === 'message').map(toMessage),
    budgetTokens,
    estimatedTokens,
    sections: [...sections.values()],
    dropped: dropped.map(toMessage),
  };
}
