import { z } from 'zod';
import { ValidationError } from '../../platform/http/errors.ts';
import { assertAnswerSchema } from '../../platform/llm/json-schema-validator.ts';
import { type AgentKind, lifecycleHooks } from './agent-kind.ts';

/** The `source` of the kinds that ship with Agentry; a module's kinds carry its specifier. */
export const BUILTIN_SOURCE = 'builtin';

/** A kind that cannot be registered: its definition is not valid, or its slug is taken. */
export class KindDefinitionError extends Error {}

export const kindSlugPattern = /^[a-z][a-z0-9_-]{0,63}$/;
const capabilityPattern = /^[a-z][a-z0-9_.:-]{0,63}$/;

const definitionSchema = z.object({
  slug: z.string().regex(kindSlugPattern, {
    message: 'must be lower-case letters, digits, - or _, start with a letter, and be at most 64 long',
  }),
  name: z.string().trim().min(1).max(255),
  agentType: z.string().trim().min(1).max(50),
  description: z.string().max(2_000).nullable(),
  capabilities: z
    .array(z.string().regex(capabilityPattern, { message: 'must be lower-case, at most 64 characters' }))
    .max(50)
    .refine((values) => new Set(values).size === values.length, { message: 'must not repeat a capability' }),
  configSchema: z.record(z.string(), z.unknown()),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((value) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= 16 * 1024, {
      message: 'must be JSON of at most 16 KB',
    }),
});

/** Why a config_schema cannot check settings, or undefined when it can. */
function configSchemaProblem(schema: Record<string, unknown>): string | undefined {
  if (schema.type !== 'object') return 'configSchema.type: must be "object" (settings are a JSON object)';
  try {
    assertAnswerSchema(schema, 'configSchema');
    return undefined;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.fieldErrors.map(({ field, message }) => `${field}: ${message}`).join('; ');
  }
}

/** Every problem of a kind's definition, as one line; undefined when it may be registered. */
function definitionProblem(kind: AgentKind): string | undefined {
  if (typeof kind === 'function') return 'register an instance of the kind (new MyKind()), not its class';
  if (typeof kind !== 'object' || kind === null) return 'a kind must be an object extending AgentKind';
  const parsed = definitionSchema.safeParse({
    slug: kind.slug,
    name: kind.name,
    agentType: kind.agentType,
    description: kind.description ?? null,
    capabilities: kind.capabilities ?? [],
    configSchema: kind.configSchema,
    metadata: kind.metadata ?? {},
  });
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  }
  const hooks = kind as unknown as Record<string, unknown>;
  const notFunctions = lifecycleHooks.filter(
    (hook) => hooks[hook] !== undefined && typeof hooks[hook] !== 'function',
  );
  if (notFunctions.length > 0) return `${notFunctions.join(', ')}: must be a function`;
  return configSchemaProblem(kind.configSchema);
}

export interface RegisteredKind {
  kind: AgentKind;
  /** `builtin`, or the module specifier that registered it. */
  source: string;
}

/** What a kind module's `registerAgentKinds(registry)` receives. */
export interface KindRegistrar {
  /** Throws `KindDefinitionError` when the definition is not valid or its slug is taken. */
  register(kind: AgentKind): void;
  get(slug: string): AgentKind | undefined;
  list(): AgentKind[];
}

/** The agent kinds this process knows: the built-in ones and those its modules registered. */
export function createKindRegistry() {
  const kinds = new Map<string, RegisteredKind>();

  function check(kind: AgentKind, pending: Map<string, AgentKind>) {
    const problem = definitionProblem(kind);
    const label = typeof kind?.slug === 'string' ? `kind ${JSON.stringify(kind.slug)}` : 'kind';
    if (problem) throw new KindDefinitionError(`${label} is not valid: ${problem}`);
    const taken = kinds.get(kind.slug)?.source ?? (pending.has(kind.slug) ? 'the same module' : undefined);
    if (taken) throw new KindDefinitionError(`${label} is already registered (by ${taken})`);
  }

  return {
    register(kind: AgentKind, source = BUILTIN_SOURCE) {
      check(kind, new Map());
      kinds.set(kind.slug, { kind, source });
    },

    /**
     * A registrar for one module: its kinds join the registry only on `commit`, so that a module
     * failing midway adds none of them.
     */
    staged(source: string): { registrar: KindRegistrar; commit(): void } {
      const pending = new Map<string, AgentKind>();
      return {
        registrar: {
          register(kind) {
            check(kind, pending);
            pending.set(kind.slug, kind);
          },
          get: (slug) => pending.get(slug) ?? kinds.get(slug)?.kind,
          list: () => [...[...kinds.values()].map((entry) => entry.kind), ...pending.values()],
        },
        commit() {
          for (const kind of pending.values()) kinds.set(kind.slug, { kind, source });
        },
      };
    },

    get: (slug: string): RegisteredKind | undefined => kinds.get(slug),
    list: (): RegisteredKind[] => [...kinds.values()],
  };
}

export type KindRegistry = ReturnType<typeof createKindRegistry>;
