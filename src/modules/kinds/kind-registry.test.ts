import { describe, expect, it } from 'vitest';
import { AgentKind } from './agent-kind.ts';
import { builtinKindRegistry } from './kind-loading.ts';
import { createKindRegistry, KindDefinitionError } from './kind-registry.ts';

class SampleKind extends AgentKind {
  readonly slug: string = 'sample';
  readonly name = 'Sample';
  readonly agentType = 'testing';
}

/** A kind like SampleKind with some members replaced. */
const kindWith = (members: Record<string, unknown>) => Object.assign(new SampleKind(), members) as AgentKind;

describe('the kind registry', () => {
  it('holds the four built-in kinds', () => {
    const registry = builtinKindRegistry();
    expect(registry.list().map(({ kind, source }) => `${kind.slug}:${source}`)).toEqual([
      'conversational:builtin',
      'voice:builtin',
      'workflow:builtin',
      'autonomous:builtin',
    ]);
    expect(registry.get('workflow')?.kind.configSchema).toMatchObject({ additionalProperties: false });
  });

  it.each([
    [{ slug: 'Not A Slug' }, 'slug: must be lower-case letters'],
    [{ name: '' }, 'name:'],
    [{ capabilities: ['chat', 'chat'] }, 'capabilities: must not repeat a capability'],
    [{ configSchema: { type: 'array' } }, 'configSchema.type: must be "object"'],
    [
      { configSchema: { type: 'object', properties: { size: { type: 'huge' } } } },
      'configSchema.properties.size.type',
    ],
    [{ configSchema: { $schema: 'https://example.com/schema', type: 'object' } }, 'configSchema.$schema'],
    [{ metadata: { blob: 'x'.repeat(17 * 1024) } }, 'metadata: must be JSON of at most 16 KB'],
    [{ activate: 'yes' }, 'activate: must be a function'],
  ])('refuses an invalid definition (%o)', (members, problem) => {
    const registry = createKindRegistry();
    expect(() => registry.register(kindWith(members))).toThrow(KindDefinitionError);
    expect(() => registry.register(kindWith(members))).toThrow(problem);
    expect(registry.list()).toEqual([]);
  });

  it('refuses a class instead of an instance, and a slug already taken', () => {
    const registry = builtinKindRegistry();
    expect(() => registry.register(SampleKind as unknown as AgentKind)).toThrow('not its class');
    expect(() => registry.register(kindWith({ slug: 'voice' }))).toThrow(
      'kind "voice" is already registered (by builtin)',
    );
  });

  it('adds a module’s kinds only when the module commits them', () => {
    const registry = builtinKindRegistry();
    const stage = registry.staged('./kinds/sample.ts');
    stage.registrar.register(new SampleKind());
    expect(() => stage.registrar.register(new SampleKind())).toThrow(
      'already registered (by the same module)',
    );
    expect(stage.registrar.get('sample')?.name).toBe('Sample');
    expect(registry.get('sample')).toBeUndefined();
    stage.commit();
    expect(registry.get('sample')?.source).toBe('./kinds/sample.ts');
  });
});
