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

/** A stored message of the turn's session, as the context sees it. */
export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** The session a turn continues or starts, opened by the turn's planning step. */
export interface ContextSession {
  id: string;
  /** A session this turn starts (stored with the turn's end). */
  created: boolean;
  /** The end user the session is with, when the caller named one (the memory source reads theirs). */
  userId?: string | null;
  /** Its last `memory.thread_window` user and assistant messages, oldest first. */
  history: HistoryMessage[];
  /**
   * The summary of the messages that fell out of the window (`messageCount` of them, the oldest),
   * made in the background by the conversations module; null (or absent) until there is one.
   */
  summary?: { content: string; messageCount: number } | null;
  /** How many messages the session held when the turn read it (0 for a session it starts). */
  messageCount?: number;
}

/** What a context source may look at to contribute to one turn. */
export interface ContextRequest {
  principal: Principal;
  agent: AgentView;
  /** Null for turns without a session (the test endpoint, the OpenAI-compatible facade, tasks). */
  session: ContextSession | null;
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
  /**
   * What the part quotes, when a source wants the run to record it (a knowledge chunk: its id,
   * file and position): the references of the parts that make it into the context are stored
   * with the run as its `context_retrieval` action, and shown by preview-context.
   */
  reference?: Record<string, unknown>;
}

/** A quoted piece of the context, as the run records it: its source and what the source said of it. */
export type ContextReference = { source: string } & Record<string, unknown>;

/**
 * Where the built-in sources sit; a module's source picks a number between them (knowledge and
 * memory go between the initial context and the thread).
 */
export const contextOrder = {
  systemPrompt: 100,
  initialContext: 200,
  knowledge: 300,
  memory: 400,
  threadSummary: 490,
  thread: 500,
  providedHistory: 600,
  userMessage: 1_000,
} as const;

/** A contributor to the context of every turn, registered on the turn registry. */
export interface ContextSource {
  name: string;
  /** Parts are placed by their source's order, lowest first (`contextOrder`); ties keep registration order. */
  order: number;
  /**
   * The largest fraction of the agent's max_context_size this source's droppable parts may take:
   * past it, its lowest-ranked parts are left out before any budget is shared. Unbounded when absent.
   */
  budgetShare?: number;
  /** Sources are collected concurrently: one must not depend on another's parts. */
  collect(request: ContextRequest): ContextPart[] | Promise<ContextPart[]>;
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
  /** The references of the parts kept, in context order. */
  references: ContextReference[];
}

const INSTRUCTION_SEPARATOR = '\n\n';

interface CostedPart {
  part: ContextPart;
  tokens: number;
}

const toMessage = (part: ContextPart): ContextMessage => ({
  role: part.role,
  content: part.content,
  source: part.source,
  tokens: estimateTokens(part.content),
});

const byRank = (left: CostedPart, right: CostedPart) =>
  (left.part.dropRank ?? 0) - (right.part.dropRank ?? 0);

/** Leaves out the lowest-ranked droppable parts of `parts` until at most `limit` tokens remain. */
function dropUntil(parts: CostedPart[], limit: number, total: number, dropped: Set<CostedPart>) {
  for (const costed of parts.filter((candidate) => candidate.part.dropRank !== undefined).sort(byRank)) {
    if (total <= limit) break;
    if (dropped.has(costed)) continue;
    dropped.add(costed);
    total -= costed.tokens;
  }
  return total;
}

/**
 * Keeps every part without a drop rank and as many ranked parts as fit in `budgetTokens`, leaving
 * out the lowest ranks first; a source with a budget share first gives up what exceeds its share.
 * Throws `context_too_large` when the parts that cannot be dropped alone exceed the budget.
 */
export function fitToBudget(parts: ContextPart[], budgetTokens: number, shares = new Map<string, number>()) {
  const costed = parts.map((part) => ({ part, tokens: estimateTokens(part.content) }));
  const fixed = costed
    .filter(({ part }) => part.dropRank === undefined)
    .reduce((sum, { tokens }) => sum + tokens, 0);
  if (fixed > budgetTokens) {
    throw new BadRequestError(
      'context_too_large',
      `The agent's instructions and the message need about ${fixed} tokens, more than its max_context_size of ${budgetTokens}`,
      { estimated_tokens: fixed, max_context_size: budgetTokens },
    );
  }
  const dropped = new Set<CostedPart>();
  for (const [source, share] of shares) {
    const own = costed.filter(({ part }) => part.source === source && part.dropRank !== undefined);
    const ownTotal = own.reduce((sum, { tokens }) => sum + tokens, 0);
    dropUntil(own, Math.floor(budgetTokens * share), ownTotal, dropped);
  }
  const remaining = costed.filter((candidate) => !dropped.has(candidate));
  const total = dropUntil(
    remaining,
    budgetTokens,
    remaining.reduce((sum, { tokens }) => sum + tokens, 0),
    dropped,
  );
  return {
    kept: costed.filter((candidate) => !dropped.has(candidate)).map(({ part }) => part),
    dropped: costed.filter((candidate) => dropped.has(candidate)).map(({ part }) => part),
    estimatedTokens: total,
  };
}

/** Places sources by their order; equal orders keep the order they were given in. */
export const inContextOrder = (sources: readonly ContextSource[]) =>
  sources
    .map((source, index) => ({ source, index }))
    .sort((left, right) => left.source.order - right.source.order || left.index - right.index)
    .map(({ source }) => source);

/**
 * Collects every source (concurrently), places their parts in source order, and fits them into
 * the agent's max_context_size. `sources` must already be in context order (`inContextOrder`).
 */
export async function assembleContext(
  sources: readonly ContextSource[],
  request: ContextRequest,
): Promise<AssembledContext> {
  const collected = await Promise.all(sources.map((source) => source.collect(request)));
  const parts = collected.flat();
  const shares = new Map<string, number>();
  for (const [index, source] of sources.entries()) {
    if (source.budgetShare === undefined) continue;
    for (const part of collected[index] ?? []) shares.set(part.source, source.budgetShare);
  }
  const budgetTokens = request.agent.max_context_size;
  const { kept, dropped, estimatedTokens } = fitToBudget(parts, budgetTokens, shares);

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
    references: kept.flatMap((part) => (part.reference ? [{ source: part.source, ...part.reference }] : [])),
  };
}
