import { describe, expect, it } from 'vitest';
import { defaultAgentConfig } from '../agents/agent-config.ts';
import type { AgentView } from '../agents/index.ts';
import { buildSystemPrompt, maxOutputTokensFor, personalityLines } from './system-prompt-source.ts';

const agent = (overrides: Partial<AgentView> = {}) => ({ ...defaultAgentConfig, ...overrides }) as AgentView;

describe('personalityLines', () => {
  it('adds a line for each trait set clearly high (>= 70) or low (<= 25), in a fixed order', () => {
    const neutral = { ...defaultAgentConfig.traits, confidence: 50, safety: 50 };
    expect(personalityLines(neutral)).toEqual([]);
    expect(personalityLines({ ...neutral, technicality: 70, formality: 25, humor: 26 })).toEqual([
      'Use a casual, conversational register.',
      'Use precise technical language; the user is comfortable with it.',
    ]);
  });

  it('never asks for less safety', () => {
    expect(personalityLines({ ...defaultAgentConfig.traits, safety: 0, confidence: 50 })).toEqual([]);
  });
});

describe('buildSystemPrompt', () => {
  it('starts with the agent’s prompt, then identity, personality and communication', () => {
    const prompt = buildSystemPrompt(
      agent({
        name: 'Ada',
        prompt: '  Help with invoices.  ',
        tone: 'friendly',
        response_length: 'detailed',
      }),
    );
    expect(prompt.split('\n\n').map((section) => section.split('\n')[0])).toEqual([
      'Help with invoices.',
      '# Identity',
      '# Personality',
      '# Communication',
    ]);
    expect(prompt).toContain('Your name is Ada.');
    expect(prompt).toContain('- Tone: friendly.\n- Communication style: formal.\n- Give detailed');
  });

  it('leaves out what is not set', () => {
    const prompt = buildSystemPrompt(
      agent({ traits: { ...defaultAgentConfig.traits, confidence: 50, safety: 50 } }),
    );
    expect(prompt).not.toContain('# Personality');
    expect(prompt).not.toContain('Tone:');
    expect(prompt.startsWith('# Identity\nYour name is AI Agent.')).toBe(true);
  });
});

describe('maxOutputTokensFor', () => {
  it('is max_tokens lowered by the response length', () => {
    expect(maxOutputTokensFor(agent({ response_length: 'brief', max_tokens: 100 }))).toBe(100);
    expect(maxOutputTokensFor(agent({ response_length: 'brief', max_tokens: 1_000 }))).toBe(256);
    expect(maxOutputTokensFor(agent({ response_length: 'detailed', max_tokens: 100_000 }))).toBe(4_096);
  });
});
