import { z } from 'zod';
import { memorySettingsSchema, scalarFieldSchemas } from './agent-config.ts';

/**
 * What a seed field name means in Agentry:
 * - `field`: the same value under Agentry's name (dotted inside a section, e.g. memory.k);
 * - `provider`: a provider named by id, name or type, resolved to provider_id at write time;
 * - `voice_enabled` / `tools_enabled`: a switch over the voice section / the tools list.
 */
export type AliasTarget =
  | { kind: 'field'; field: string }
  | { kind: 'provider' }
  | { kind: 'voice_enabled' }
  | { kind: 'tools_enabled' };

interface FieldAlias {
  seeds: string;
  target: AliasTarget;
  schema: z.ZodType;
  description: string;
}

const providerReference = z.string().trim().min(1).max(255);
const field = (name: string): AliasTarget => ({ kind: 'field', field: name });

/**
 * The one table of seed spellings accepted on agent input (docs/agents.md lists it). Responses
 * always use Agentry's names. `model_config` (seed 004) groups some of them; see below.
 */
export const agentFieldAliases = {
  type: {
    seeds: '001',
    target: field('kind'),
    schema: scalarFieldSchemas.kind,
    description: 'kind',
  },
  llm_model: {
    seeds: '001',
    target: field('model'),
    schema: scalarFieldSchemas.model,
    description: 'model',
  },
  model_name: {
    seeds: '003',
    target: field('model'),
    schema: scalarFieldSchemas.model,
    description: 'model',
  },
  system_prompt: {
    seeds: '003, 004',
    target: field('prompt'),
    schema: scalarFieldSchemas.prompt,
    description: 'prompt',
  },
  memory_enabled: {
    seeds: '001',
    target: field('use_memory_context'),
    schema: scalarFieldSchemas.use_memory_context,
    description: 'use_memory_context',
  },
  memory_k: {
    seeds: '001',
    target: field('memory.k'),
    schema: memorySettingsSchema.shape.k,
    description: 'memory.k',
  },
  thread_window: {
    seeds: '001',
    target: field('memory.thread_window'),
    schema: memorySettingsSchema.shape.thread_window,
    description: 'memory.thread_window',
  },
  llm_provider: {
    seeds: '001',
    target: { kind: 'provider' },
    schema: providerReference,
    description: 'provider_id, naming the provider by id, name or type (e.g. "openai")',
  },
  provider: {
    seeds: '003',
    target: { kind: 'provider' },
    schema: providerReference,
    description: 'provider_id, naming the provider by id, name or type',
  },
  voice_enabled: {
    seeds: '001',
    target: { kind: 'voice_enabled' },
    schema: z.boolean(),
    description:
      'the voice section: true requires one (voice.voice_id); false removes nothing, a kept section is reported as a switch_not_applied warning (send voice: null to remove it)',
  },
  tools_enabled: {
    seeds: '001',
    target: { kind: 'tools_enabled' },
    schema: z.boolean(),
    description:
      'tools: true with no tools named enables the built-in tools; false removes nothing, kept tools are reported as a switch_not_applied warning (send tools: [] to remove them)',
  },
} satisfies Record<string, FieldAlias>;

export type AliasName = keyof typeof agentFieldAliases;
export const isAlias = (name: string): name is AliasName => Object.hasOwn(agentFieldAliases, name);

/** Seed 004's `model_config`: the model settings grouped, in either spelling. */
export const modelConfigSchema = z
  .object({
    provider: providerReference.optional(),
    provider_id: scalarFieldSchemas.provider_id.optional(),
    model: scalarFieldSchemas.model.optional(),
    model_name: scalarFieldSchemas.model.optional(),
    temperature: scalarFieldSchemas.temperature.optional(),
    max_tokens: scalarFieldSchemas.max_tokens.optional(),
    fallback_provider_id: scalarFieldSchemas.fallback_provider_id.optional(),
    fallback_model: scalarFieldSchemas.fallback_model.optional(),
  })
  .strict()
  .describe('Alias (seed 004): provider (id, name or type), model, temperature, max_tokens, fallbacks');

/** The aliases as optional input fields, for the request schemas. */
export const aliasInputShape = {
  ...Object.fromEntries(
    Object.entries(agentFieldAliases).map(([name, alias]) => [
      name,
      alias.schema.optional().describe(`Alias of ${alias.description} (seed ${alias.seeds})`),
    ]),
  ),
  model_config: modelConfigSchema.optional(),
} as { [name in AliasName]: z.ZodOptional<(typeof agentFieldAliases)[name]['schema']> } & {
  model_config: z.ZodOptional<typeof modelConfigSchema>;
};
