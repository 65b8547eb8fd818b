import type { AgentView } from '../agents/index.ts';
import { type ContextSource, contextOrder } from './context-pipeline.ts';

type ResponseLength = AgentView['response_length'];
type TraitName = keyof AgentView['traits'];

/** What each response length asks of the model, and the output it may spend on it. */
export const responseLengths: Record<ResponseLength, { guidance: string; maxOutputTokens: number }> = {
  brief: { guidance: 'Keep your answers brief: one to three sentences.', maxOutputTokens: 256 },
  moderate: {
    guidance: 'Keep your answers moderately long: a short paragraph or a few bullet points.',
    maxOutputTokens: 1_024,
  },
  detailed: {
    guidance: 'Give detailed, complete answers, with explanations and examples where they help.',
    maxOutputTokens: 4_096,
  },
};

/** The output cap of a turn: the agent's max_tokens, lowered by its response length. */
export const maxOutputTokensFor = (agent: AgentView) =>
  Math.min(agent.max_tokens, responseLengths[agent.response_length].maxOutputTokens);

/** A trait at or above HIGH (or at or below LOW) adds its line; values in between are the model's default. */
const HIGH = 70;
const LOW = 25;

const traitLines: Record<TraitName, { high: string; low: string | null }> = {
  creativity: {
    high: 'Be creative: offer original ideas and unexpected angles.',
    low: 'Stick to conventional, proven answers.',
  },
  empathy: {
    high: 'Show empathy: acknowledge how the user feels before solving the problem.',
    low: 'Stay matter-of-fact; skip emotional language.',
  },
  assertiveness: {
    high: 'Be direct: give clear recommendations rather than a list of options.',
    low: 'Offer options gently rather than telling the user what to do.',
  },
  humor: { high: 'Use light humor where it fits.', low: 'Do not joke; keep a serious register.' },
  formality: {
    high: 'Use a formal, professional register.',
    low: 'Use a casual, conversational register.',
  },
  verbosity: {
    high: 'Be thorough and explain your reasoning.',
    low: 'Be concise; leave out what is not needed.',
  },
  confidence: {
    high: 'Answer with confidence, and say plainly when you do not know.',
    low: 'Acknowledge uncertainty and qualify your answers.',
  },
  technicality: {
    high: 'Use precise technical language; the user is comfortable with it.',
    low: 'Avoid jargon; explain things in plain language.',
  },
  // Low safety adds nothing: no setting asks the model to be unsafe.
  safety: { high: 'Put safety first: decline harmful requests and warn about risks.', low: null },
};

function identitySection(agent: AgentView): string[] {
  const lines = [`Your name is ${agent.name}.`];
  if (agent.role) lines.push(`Your role: ${agent.role}.`);
  const identity = agent.identity;
  if (identity.character_role) lines.push(`Character: ${identity.character_role}`);
  if (identity.short_description) lines.push(`About you: ${identity.short_description}`);
  if (identity.full_description) lines.push(identity.full_description);
  if (identity.mission) lines.push(`Your mission: ${identity.mission}`);
  if (identity.interaction_style) lines.push(`How you interact: ${identity.interaction_style}`);
  return lines;
}

/** One line per trait set clearly high or low, in a fixed order. */
export function personalityLines(traits: AgentView['traits']): string[] {
  return (Object.keys(traitLines) as TraitName[]).flatMap((trait) => {
    const value = traits[trait];
    const line = value >= HIGH ? traitLines[trait].high : value <= LOW ? traitLines[trait].low : null;
    return line ? [line] : [];
  });
}

function communicationLines(agent: AgentView): string[] {
  const lines: string[] = [];
  if (agent.tone) lines.push(`Tone: ${agent.tone}.`);
  if (agent.communication_style) lines.push(`Communication style: ${agent.communication_style}.`);
  lines.push(responseLengths[agent.response_length].guidance);
  return lines;
}

/**
 * The system prompt (docs/execution.md): the agent's prompt verbatim, then its identity, its
 * personality (traits), and how it communicates (tone, style, response length).
 */
export function buildSystemPrompt(agent: AgentView): string {
  const sections: string[] = [];
  if (agent.prompt?.trim()) sections.push(agent.prompt.trim());
  sections.push(`# Identity\n${identitySection(agent).join('\n')}`);
  const personality = personalityLines(agent.traits);
  if (personality.length > 0)
    sections.push(`# Personality\n${personality.map((line) => `- ${line}`).join('\n')}`);
  sections.push(
    `# Communication\n${communicationLines(agent)
      .map((line) => `- ${line}`)
      .join('\n')}`,
  );
  return sections.join('\n\n');
}

/** Built once per agent view: turns share the cached view of an agent until it changes. */
const builtPrompts = new WeakMap<AgentView, string>();

export const systemPromptSource: ContextSource = {
  name: 'system_prompt',
  order: contextOrder.systemPrompt,
  collect({ agent }) {
    let content = builtPrompts.get(agent);
    if (content === undefined) {
      content = buildSystemPrompt(agent);
      builtPrompts.set(agent, content);
    }
    return [{ source: 'system_prompt', placement: 'instructions', role: 'user', content }];
  },
};
