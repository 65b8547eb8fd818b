import { describe, expect, it } from 'vitest';
import { type AgentConfig, defaultAgentConfig } from './agent-config.ts';
import { applyConfigPatch, configChecksum, diffConfigs, historyValue } from './agent-versioning.ts';

const withChanges = (changes: Partial<AgentConfig>): AgentConfig => ({ ...defaultAgentConfig, ...changes });

describe('applyConfigPatch', () => {
  it('replaces scalar fields and merges sections field by field', () => {
    const merged = applyConfigPatch(defaultAgentConfig, { role: 'Support', traits: { empathy: 90 } });
    expect(merged.role).toBe('Support');
    expect(merged.traits).toEqual({ ...defaultAgentConfig.traits, empathy: 90 });
    expect(defaultAgentConfig.traits.empathy).toBe(50);
  });

  it('starts a new voice section from the seed defaults and removes it with null', () => {
    const withVoice = applyConfigPatch(defaultAgentConfig, { voice: { voice_id: 'rachel' } });
    expect(withVoice.voice).toMatchObject({
      voice_id: 'rachel',
      provider: 'elevenlabs',
      speed: 1,
      stt_model: 'nova-2',
    });
    const base = withChanges({ voice: withVoice.voice as AgentConfig['voice'] });
    expect(applyConfigPatch(base, { voice: { speed: 1.5 } }).voice).toMatchObject({
      voice_id: 'rachel',
      speed: 1.5,
    });
    expect(applyConfigPatch(base, { voice: null }).voice).toBeNull();
  });

  it('ignores absent fields and keeps explicit nulls', () => {
    const base = withChanges({ tone: 'warm' });
    expect(applyConfigPatch(base, { tone: undefined }).tone).toBe('warm');
    expect(applyConfigPatch(base, { tone: null }).tone).toBeNull();
  });
});

describe('diffConfigs', () => {
  it('lists changed fields, sections last with dotted names', () => {
    const after = withChanges({
      tone: 'friendly',
      name: 'Renamed',
      traits: { ...defaultAgentConfig.traits, humor: 10 },
      tags: ['a'],
    });
    expect(diffConfigs(defaultAgentConfig, after)).toEqual([
      { field: 'name', oldValue: 'AI Agent', newValue: 'Renamed' },
      { field: 'tags', oldValue: [], newValue: ['a'] },
      { field: 'tone', oldValue: null, newValue: 'friendly' },
      { field: 'traits.humor', oldValue: 30, newValue: 10 },
    ]);
  });

  it('reports a section appearing or disappearing as one change', () => {
    const voice = {
      ...{ voice_id: 'v' },
      provider: 'p',
      language: 'en',
      speed: 1,
      pitch: 1,
      stability: 1,
      similarity_boost: 1,
      stt_provider: 's',
      stt_model: 'm',
      stt_language: 'en',
      vad_enabled: true,
    };
    expect(diffConfigs(defaultAgentConfig, withChanges({ voice }))).toEqual([
      { field: 'voice', oldValue: null, newValue: voice },
    ]);
  });

  it('finds nothing between equal configurations', () => {
    expect(diffConfigs(defaultAgentConfig, structuredClone(defaultAgentConfig))).toEqual([]);
  });
});

describe('configChecksum', () => {
  it('depends on content, not key order', () => {
    const reordered = Object.fromEntries(Object.entries(defaultAgentConfig).reverse()) as AgentConfig;
    expect(configChecksum(reordered)).toBe(configChecksum(defaultAgentConfig));
    expect(configChecksum(withChanges({ role: 'x' }))).not.toBe(configChecksum(defaultAgentConfig));
    expect(configChecksum(defaultAgentConfig)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('historyValue', () => {
  it('keeps strings as they are, JSON-encodes the rest and keeps null', () => {
    expect(historyValue('Updated Role')).toBe('Updated Role');
    expect(historyValue(0.5)).toBe('0.5');
    expect(historyValue(['a'])).toBe('["a"]');
    expect(historyValue(false)).toBe('false');
    expect(historyValue(null)).toBeNull();
  });
});
