import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../platform/http/errors.ts';
import { agentFieldAliases } from './agent-aliases.ts';
import { type AgentWriteInput, toAgentWrite } from './agent-input.ts';

/** One case per alias of the table: what it is sent as, and what Agentry makes of it. */
const aliasCases: Record<
  keyof typeof agentFieldAliases,
  [AgentWriteInput, Partial<ReturnType<typeof toAgentWrite>>]
> = {
  type: [{ type: 'voice' }, { patch: { kind: 'voice' } }],
  llm_model: [{ llm_model: 'gpt-4o' }, { patch: { model: 'gpt-4o' } }],
  model_name: [{ model_name: 'llama3' }, { patch: { model: 'llama3' } }],
  system_prompt: [
    { system_prompt: 'You classify messages.' },
    { patch: { prompt: 'You classify messages.' } },
  ],
  memory_enabled: [{ memory_enabled: false }, { patch: { use_memory_context: false } }],
  memory_k: [{ memory_k: 8 }, { patch: { memory: { k: 8 } } }],
  thread_window: [{ thread_window: 30 }, { patch: { memory: { thread_window: 30 } } }],
  llm_provider: [
    { configuration: { llm_provider: 'openai' } },
    { patch: {}, providerReference: { value: 'openai', source: 'configuration.llm_provider' } },
  ],
  provider: [
    { provider: 'Ollama Local' },
    { patch: {}, providerReference: { value: 'Ollama Local', source: 'provider' } },
  ],
  voice_enabled: [
    { configuration: { voice_enabled: true } },
    { patch: {}, voiceEnabled: { value: true, source: 'configuration.voice_enabled' } },
  ],
  tools_enabled: [
    { configuration: { tools_enabled: true } },
    { patch: {}, toolsEnabled: { value: true, source: 'configuration.tools_enabled' } },
  ],
};

describe('toAgentWrite', () => {
  it('merges flat fields with the configuration group', () => {
    expect(toAgentWrite({ name: 'A', configuration: { role: 'R', tone: 'warm' } }).patch).toEqual({
      name: 'A',
      role: 'R',
      tone: 'warm',
    });
  });

  it.each(Object.entries(aliasCases))('maps the seed alias %s', (_alias, [input, expected]) => {
    expect(toAgentWrite(input)).toMatchObject(expected);
  });

  it('has a case for every alias of the table', () => {
    expect(Object.keys(aliasCases).sort()).toEqual(Object.keys(agentFieldAliases).sort());
  });

  it('reads seed 004’s model_config group', () => {
    const write = toAgentWrite({
      model_config: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 900 },
    });
    expect(write.patch).toEqual({ model: 'gpt-4o-mini', temperature: 0.2, max_tokens: 900 });
    expect(write.providerReference).toEqual({ value: 'openai', source: 'model_config.provider' });
  });

  it('reads model_config’s model_name, provider_id and fallbacks under Agentry’s names', () => {
    const providerId = '0190a2b4-0000-7000-8000-000000000001';
    const fallbackId = '0190a2b4-0000-7000-8000-000000000002';
    const write = toAgentWrite({
      model_config: {
        provider_id: providerId,
        model_name: 'llama3',
        fallback_provider_id: fallbackId,
        fallback_model: 'gpt-4o-mini',
      },
    });
    expect(write.patch).toEqual({
      provider_id: providerId,
      model: 'llama3',
      fallback_provider_id: fallbackId,
      fallback_model: 'gpt-4o-mini',
    });
    expect(write.sources).toMatchObject({
      provider_id: 'model_config.provider_id',
      model: 'model_config.model_name',
    });
  });

  it('carries the false switches for the service, removing nothing', () => {
    const write = toAgentWrite({ configuration: { voice_enabled: false, tools_enabled: false } });
    expect(write.patch).toEqual({});
    expect(write.voiceEnabled).toEqual({ value: false, source: 'configuration.voice_enabled' });
    expect(write.toolsEnabled).toEqual({ value: false, source: 'configuration.tools_enabled' });
  });

  it('reads null as "not given" for sections and names, as Python clients send unset fields', () => {
    const write = toAgentWrite({
      name: null,
      tags: null,
      identity: null,
      traits: null,
      memory: null,
      resource_limits: null,
      status: null,
      configuration: null,
      model_config: null,
      voice: null,
    } as unknown as AgentWriteInput);
    expect(write.patch).toEqual({ voice: null });
    expect(write.status).toBeUndefined();
  });

  it('takes seed 001’s configuration as pydantic sends it, defaults included', () => {
    const write = toAgentWrite({
      type: 'voice',
      configuration: {
        llm_provider: 'openai',
        llm_model: 'gpt-4',
        max_tokens: 800,
        temperature: 0.7,
        memory_enabled: true,
        voice_enabled: true,
        tools_enabled: false,
        memory_k: 6,
        thread_window: 20,
      },
    });
    expect(write.patch).toEqual({
      kind: 'voice',
      model: 'gpt-4',
      max_tokens: 800,
      temperature: 0.7,
      use_memory_context: true,
      memory: { k: 6, thread_window: 20 },
    });
    expect(write.voiceEnabled?.value).toBe(true);
  });

  it('combines memory given as a section with its aliases', () => {
    expect(toAgentWrite({ memory: { alpha_recency: 0.5 }, memory_k: 3 }).patch.memory).toEqual({
      alpha_recency: 0.5,
      k: 3,
    });
  });

  it('maps is_active to status, and takes archived', () => {
    expect(toAgentWrite({ is_active: false }).status).toBe('inactive');
    expect(toAgentWrite({ status: 'active', is_active: true }).status).toBe('active');
    expect(toAgentWrite({ status: 'archived' }).status).toBe('archived');
  });

  it.each([
    [{ role: 'a', configuration: { role: 'b' } }, 'role'],
    [{ kind: 'voice' as const, type: 'workflow' as const }, 'type'],
    [{ status: 'active' as const, is_active: false }, 'is_active'],
    [{ memory: { k: 2 }, memory_k: 3 }, 'memory_k'],
    [{ model: 'a', model_name: 'b' }, 'model_name'],
    [{ prompt: 'a', system_prompt: 'b' }, 'system_prompt'],
    [{ llm_model: 'a', model_config: { model: 'b' } }, 'model_config.model'],
    [{ llm_provider: 'openai', configuration: { llm_provider: 'ollama' } }, 'llm_provider'],
    [{ voice_enabled: true, configuration: { voice_enabled: false } }, 'voice_enabled'],
  ])('rejects one field given two different values: %j', (input, field) => {
    try {
      toAgentWrite(input as AgentWriteInput);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors[0]?.field).toBe(field);
    }
  });

  it('accepts one field given twice with the same value', () => {
    expect(toAgentWrite({ model: 'llama3', model_name: 'llama3' }).patch).toEqual({ model: 'llama3' });
  });
});
