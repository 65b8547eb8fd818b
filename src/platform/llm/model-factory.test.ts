import { describe, expect, it } from 'vitest';
import { createLanguageModelCache } from './model-factory.ts';
import type { ProviderConnection } from './provider-connection.ts';

const fetch = async () => new Response('{}');
const connection: ProviderConnection = {
  id: 'provider-1',
  name: 'Stub',
  type: 'openai_compatible',
  baseUrl: 'https://llm.example.com/v1',
  apiKey: 'sk-one',
};

describe('createLanguageModelCache', () => {
  it('builds a model once per provider settings and model id', () => {
    const models = createLanguageModelCache(fetch);
    const model = models.get(connection, 'gpt-stub');
    expect(model.modelId).toBe('gpt-stub');
    expect(models.get({ ...connection }, 'gpt-stub')).toBe(model);
    expect(models.get(connection, 'other-model')).not.toBe(model);
    expect(models.size).toBe(2);
  });

  it('builds a new model when the key, base URL, name or type changes', () => {
    const models = createLanguageModelCache(fetch);
    const model = models.get(connection, 'gpt-stub');
    for (const changed of [
      { ...connection, apiKey: 'sk-two' },
      { ...connection, apiKey: null },
      { ...connection, baseUrl: 'https://other.example.com/v1' },
      { ...connection, name: 'Renamed' },
      { ...connection, type: 'ollama' as const },
    ]) {
      expect(models.get(changed, 'gpt-stub')).not.toBe(model);
    }
    expect(models.get(connection, 'gpt-stub')).toBe(model);
  });

  it('forgets the least recently used model when full', () => {
    const models = createLanguageModelCache(fetch, 2);
    const first = models.get(connection, 'a');
    const second = models.get(connection, 'b');
    expect(models.get(connection, 'a')).toBe(first);
    models.get(connection, 'c');
    expect(models.size).toBe(2);
    expect(models.get(connection, 'a')).toBe(first);
    expect(models.get(connection, 'b')).not.toBe(second);
  });
});
