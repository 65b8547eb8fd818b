import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../platform/http/errors.ts';
import { toConfigPatch } from './agent-input.ts';

describe('toConfigPatch', () => {
  it('merges flat fields with the configuration group', () => {
    expect(toConfigPatch({ name: 'A', configuration: { role: 'R', tone: 'warm' } })).toEqual({
      patch: { name: 'A', role: 'R', tone: 'warm' },
      status: undefined,
    });
  });

  it('maps the seed 001 spellings to Agentry fields', () => {
    const { patch } = toConfigPatch({
      type: 'voice',
      configuration: { llm_model: 'gpt-4o', memory_k: 8, thread_window: 30, memory_enabled: false },
    });
    expect(patch).toEqual({
      kind: 'voice',
      model: 'gpt-4o',
      use_memory_context: false,
      memory: { k: 8, thread_window: 30 },
    });
  });

  it('combines memory given as a section with its aliases', () => {
    expect(toConfigPatch({ memory: { alpha_recency: 0.5 }, memory_k: 3 }).patch.memory).toEqual({
      alpha_recency: 0.5,
      k: 3,
    });
  });

  it('maps is_active to status', () => {
    expect(toConfigPatch({ is_active: false }).status).toBe('inactive');
    expect(toConfigPatch({ status: 'active', is_active: true }).status).toBe('active');
  });

  it.each([
    [{ role: 'a', configuration: { role: 'b' } }, 'role'],
    [{ kind: 'voice' as const, type: 'workflow' as const }, 'type'],
    [{ status: 'active' as const, is_active: false }, 'is_active'],
    [{ memory: { k: 2 }, memory_k: 3 }, 'memory.k'],
  ])('rejects one field given two different values: %j', (input, field) => {
    try {
      toConfigPatch(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors[0]?.field).toBe(field);
    }
  });
});
