import { z } from 'zod';

export const agentStatuses = ['active', 'inactive', 'archived'] as const;
export const responseLengths = ['brief', 'moderate', 'detailed'] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export const PROMPT_MAX_BYTES = 50 * 1024;

const trait = z.number().int().min(0).max(100);
const text = (max: number) => z.string().max(max);
const nullableText = (max: number) => z.string().max(max).nullable();
const boundedBytes = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes)
    .refine((value) => Buffer.byteLength(value, 'utf8') <= maxBytes, {
      message: `must be at most ${maxBytes / 1024} KB (UTF-8)`,
    });

export const traitsSchema = z
  .object({
    creativity: trait,
    empathy: trait,
    assertiveness: trait,
    humor: trait,
    formality: trait,
    verbosity: trait,
    confidence: trait,
    technicality: trait,
    safety: trait,
  })
  .strict();

export const identitySchema = z
  .object({
    short_description: text(500),
    full_description: text(10_000),
    character_role: text(255),
    mission: text(2_000),
    interaction_style: text(1_000),
  })
  .strict();

export const voiceSchema = z
  .object({
    provider: text(100),
    voice_id: z.string().min(1).max(255),
    language: text(35),
    speed: z.number().min(0.5).max(2),
    pitch: z.number().min(0.5).max(2),
    stability: z.number().min(0).max(1),
    similarity_boost: z.number().min(0).max(1),
    stt_provider: text(100),
    stt_model: text(100),
    stt_language: text(35),
    vad_enabled: z.boolean(),
  })
  .strict();

/**
 * Per-agent ceilings (seed 000 production fields). Null: no limit of the agent's own; the
 * organization's limits still apply (docs/limits.md).
 */
export const resourceLimitsSchema = z
  .object({
    max_concurrent_turns: z.number().int().min(1).max(10_000).nullable(),
    max_tokens_per_day: z.number().int().min(1).max(1_000_000_000_000).nullable(),
  })
  .strict();

/** A semantic version label (semver.org), e.g. 1.0.0 or 2.1.0-beta.1. */
const semanticVersion = z
  .string()
  .max(64)
  .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/, {
    message: 'must be a semantic version such as 1.0.0',
  });

/** Free-form labels of the caller's own (seed 004); never read by Agentry. */
const agentMetadata = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 16 * 1024, {
    message: 'must be at most 16 KB once serialized',
  });

/**
 * What an agent's kind names: the slug of an agent definition (docs/agent-kinds.md). Which slugs
 * are enabled is the registry's to say, when the agent is written.
 */
const kindSlug = z.string().trim().min(1).max(64);

/** The kind's own settings, checked against its definition's config_schema; replaced whole by a change. */
export const kindSettingsSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= 16 * 1024, {
    message: 'must be at most 16 KB once serialized',
  });

export const memorySettingsSchema = z
  .object({
    k: z.number().int().min(1).max(20),
    thread_window: z.number().int().min(5).max(50),
    alpha_recency: z.number().min(0).max(1),
    alpha_semantic: z.number().min(0).max(1),
    alpha_reinforcement: z.number().min(0).max(1),
  })
  .strict();

export const scalarFieldSchemas = {
  name: z.string().trim().min(1).max(255),
  agent_version: semanticVersion,
  description: nullableText(2_000),
  avatar_url: z.url().max(500).nullable(),
  agent_type: z.string().trim().min(1).max(50),
  kind: kindSlug,
  tags: z.array(z.string().trim().min(1).max(64)).max(50),
  provider_id: z.uuid().nullable(),
  model: nullableText(200),
  temperature: z.number().min(0).max(2),
  max_tokens: z.number().int().min(1).max(200_000),
  fallback_provider_id: z.uuid().nullable(),
  fallback_model: nullableText(200),
  role: nullableText(255),
  prompt: boundedBytes(PROMPT_MAX_BYTES).nullable(),
  initial_context: boundedBytes(100 * 1024).nullable(),
  initial_ai_msg: nullableText(10_000),
  tone: nullableText(100),
  communication_style: text(100),
  response_length: z.enum(responseLengths),
  show_suggestions_after_each_message: z.boolean(),
  suggestions_prompt: nullableText(10_000),
  use_streaming: z.boolean(),
  memory_retention: z.number().int().min(0).max(1_000),
  use_memory_context: z.boolean(),
  max_context_size: z.number().int().min(1_000).max(2_000_000),
  max_iterations: z.number().int().min(1).max(50),
  timeout_seconds: z.number().int().min(1).max(3_600).nullable(),
  tools: z.array(z.string().trim().min(1).max(100)).max(100),
  metadata: agentMetadata,
};

/** The nested sections: updated and diffed field by field. */
export const sectionFields = ['identity', 'traits', 'voice', 'memory', 'resource_limits'] as const;
export type SectionField = (typeof sectionFields)[number];
/** Diffed key by key like a section, but replaced whole by a change: its keys are the kind's. */
export const keyedFields: readonly string[] = [...sectionFields, 'settings'];

/**
 * Every versioned field of an agent (seeds 000, 001, 003). A snapshot in agent_versions is exactly
 * this object; status, counters and runtime state are not configuration.
 */
export const agentConfigObject = z
  .object({
    ...scalarFieldSchemas,
    identity: identitySchema,
    traits: traitsSchema,
    voice: voiceSchema.nullable(),
    memory: memorySettingsSchema,
    resource_limits: resourceLimitsSchema,
    settings: kindSettingsSchema,
  })
  .strict();

export const agentConfigSchema = agentConfigObject.superRefine((config, context) => {
  if (config.kind === 'voice' && config.voice === null) {
    context.addIssue({
      code: 'custom',
      path: ['voice'],
      message: 'voice configuration is required when kind is voice',
    });
  }
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;
export type AgentConfigField = keyof AgentConfig;
export type VoiceConfig = z.infer<typeof voiceSchema>;

/** A partial configuration as accepted by create and update; sections may be given in part. */
export const agentConfigPatchSchema = z
  .object({
    ...z.object(scalarFieldSchemas).partial().shape,
    identity: identitySchema.partial().optional(),
    traits: traitsSchema.partial().optional(),
    voice: voiceSchema.partial().nullable().optional(),
    memory: memorySettingsSchema.partial().optional(),
    resource_limits: resourceLimitsSchema.partial().optional(),
    settings: kindSettingsSchema.optional(),
  })
  .strict();

export type AgentConfigPatch = z.infer<typeof agentConfigPatchSchema>;
export const agentConfigFields = Object.keys(agentConfigPatchSchema.shape) as AgentConfigField[];

/** Defaults from the seeds: name, agent_type and agent_version from 000, traits, voice and memory from 001. */
export const defaultAgentConfig: AgentConfig = {
  name: 'AI Agent',
  agent_version: '1.0.0',
  description: null,
  avatar_url: null,
  agent_type: 'customer_support',
  kind: 'conversational',
  tags: [],
  identity: {
    short_description: '',
    full_description: '',
    character_role: '',
    mission: '',
    interaction_style: '',
  },
  traits: {
    creativity: 50,
    empathy: 50,
    assertiveness: 50,
    humor: 30,
    formality: 50,
    verbosity: 50,
    confidence: 70,
    technicality: 50,
    safety: 80,
  },
  voice: null,
  provider_id: null,
  model: null,
  temperature: 0.7,
  max_tokens: 500,
  fallback_provider_id: null,
  fallback_model: null,
  role: null,
  prompt: null,
  initial_context: null,
  initial_ai_msg: null,
  tone: null,
  communication_style: 'formal',
  response_length: 'moderate',
  show_suggestions_after_each_message: true,
  suggestions_prompt: null,
  use_streaming: false,
  memory_retention: 5,
  use_memory_context: true,
  max_context_size: 100_000,
  max_iterations: 5,
  timeout_seconds: null,
  tools: [],
  metadata: {},
  memory: { k: 6, thread_window: 20, alpha_recency: 0.35, alpha_semantic: 0.45, alpha_reinforcement: 0.2 },
  resource_limits: { max_concurrent_turns: null, max_tokens_per_day: null },
  settings: {},
};

export const defaultVoice: Omit<VoiceConfig, 'voice_id'> = {
  provider: 'elevenlabs',
  language: 'en-US',
  speed: 1,
  pitch: 1,
  stability: 0.75,
  similarity_boost: 0.75,
  stt_provider: 'deepgram',
  stt_model: 'nova-2',
  stt_language: 'en',
  vad_enabled: true,
};

export interface AgentRuntime {
  state: 'idle' | 'busy' | 'error' | 'offline';
  health: 'healthy' | 'warning' | 'error';
  last_heartbeat: string | null;
  last_error: string | null;
  consecutive_failures: number;
  /** A counter earlier versions kept on the row; busy is now derived from running runs. */
  running_turns?: number;
  /**
   * Kept by the health monitor (docs/monitoring.md), never by turns: a turn's end merges its keys
   * over the runtime and leaves these. When the monitor last ran the agent's checks, which of them
   * failed then, and the alerts the agent is past (sorted), so that each is raised once.
   */
  last_health_check?: string | null;
  failed_checks?: string[];
  alerts?: string[];
}

export const initialRuntime: AgentRuntime = {
  state: 'idle',
  health: 'healthy',
  last_heartbeat: null,
  last_error: null,
  consecutive_failures: 0,
};
