import { expect } from 'vitest';
import type { ApiResponse, HttpClient } from './http-client.ts';

/**
 * Seed 001's request bodies, as its Python client sends them: pydantic's `model_dump(mode="json")`
 * of the seed's models, so every section carries its defaults (AgentConfiguration's
 * llm_provider "openai", tools_enabled false, memory_k 6, thread_window 20; VoiceConfiguration's
 * stt_language "en", vad_enabled true, ...) and an Optional section left out is `null`.
 */

/** `AgentIdentity` as a model_dump: the optional texts default to "". */
export const identity = (fields: { short_description: string } & Record<string, string>) => ({
  full_description: '',
  character_role: '',
  mission: '',
  interaction_style: '',
  ...fields,
});

/** `AgentTraits()`: the seed's trait defaults. */
export const traitDefaults = {
  creativity: 50,
  empathy: 50,
  assertiveness: 50,
  humor: 30,
  formality: 50,
  verbosity: 50,
  confidence: 70,
  technicality: 50,
  safety: 80,
};

/** `AgentConfiguration()`: the seed's configuration defaults. */
export const configurationDefaults = {
  llm_provider: 'openai',
  llm_model: 'gpt-4o-mini',
  max_tokens: 500,
  temperature: 0.7,
  memory_enabled: true,
  voice_enabled: false,
  tools_enabled: false,
  memory_k: 6,
  thread_window: 20,
};

/** `VoiceConfiguration(voice_id=..., ...)` as a model_dump. */
export const voice = (voice_id: string, fields: Record<string, unknown> = {}) => ({
  provider: 'elevenlabs',
  voice_id,
  language: 'en-US',
  speed: 1.0,
  pitch: 1.0,
  stability: 0.75,
  similarity_boost: 0.75,
  stt_provider: 'deepgram',
  stt_model: 'nova-2',
  stt_language: 'en',
  vad_enabled: true,
  ...fields,
});

/** Phase 1.1, `AgentIdentity.Config.json_schema_extra`. */
export const identityExample = {
  short_description: 'Empathetic hypnotherapy guide for manifestation',
  full_description: 'A warm, supportive hypnotherapist specializing in positive psychology',
  character_role: 'Compassionate Guide',
  mission: 'Help users manifest their goals through hypnotherapy',
  interaction_style: 'Gentle, encouraging, and deeply empathetic',
};

/** Phase 1.1, `AgentTraits.Config.json_schema_extra`. */
export const traitsExample = {
  creativity: 75,
  empathy: 90,
  assertiveness: 60,
  humor: 40,
  formality: 30,
  verbosity: 65,
  confidence: 80,
  technicality: 50,
  safety: 85,
};

/** Phase 1.1, `AgentConfiguration.Config.json_schema_extra`. */
export const configurationExample = {
  llm_provider: 'openai',
  llm_model: 'gpt-4',
  max_tokens: 800,
  temperature: 0.8,
  memory_enabled: true,
  voice_enabled: true,
  tools_enabled: false,
  memory_k: 6,
  thread_window: 20,
};

/** Phase 1.1, `AgentContract.Config.json_schema_extra`: the stored contract, not a request. */
export const contractExample = {
  id: '550e8400-e29b-41d4-a716-446655440000',
  name: 'IntakeAgent - Manifestation Coach',
  type: 'voice',
  version: '1.0.0',
  identity: {
    short_description: 'Empathetic intake specialist for hypnotherapy',
    mission: 'Collect user goals and preferences with compassion',
  },
  traits: { creativity: 60, empathy: 95, assertiveness: 40 },
  configuration: { llm_model: 'gpt-4', temperature: 0.7, voice_enabled: true },
  metadata: {
    tenant_id: 'tenant-uuid',
    owner_id: 'user-uuid',
    tags: ['production', 'hypnotherapy'],
    status: 'active',
  },
};

/** What pydantic keeps of the contract example when it is posted as an `AgentCreateRequest`. */
export const contractAsCreateRequest = {
  name: contractExample.name,
  type: contractExample.type,
  identity: contractExample.identity,
  traits: contractExample.traits,
  configuration: contractExample.configuration,
};

/** Phase 5.1, the `sample_agent_request` fixture of test_agent_lifecycle.py. */
export const sampleAgentRequest = {
  name: 'Test Hypnotherapy Agent',
  type: 'voice',
  identity: identity({
    short_description: 'Test agent for validation',
    mission: 'Test agent capabilities',
  }),
  traits: { ...traitDefaults, creativity: 75, empathy: 90, verbosity: 50 },
  configuration: null,
  voice: null,
  tags: ['test', 'hypnotherapy'],
};

/** Phase 6.1, create_default_agents.py: the IntakeAgent's AgentCreateRequest. */
export const intakeAgentRequest = {
  name: 'IntakeAgent - Manifestation Coach',
  type: 'voice',
  identity: {
    short_description: 'Empathetic intake specialist for hypnotherapy',
    full_description:
      'A warm, supportive intake agent that collects user goals and preferences with compassion',
    character_role: 'Compassionate Intake Guide',
    mission: 'Collect user goals and preferences to create personalized hypnotherapy sessions',
    interaction_style: 'Gentle, encouraging, deeply empathetic, and patient',
  },
  traits: {
    creativity: 60,
    empathy: 95,
    assertiveness: 40,
    humor: 30,
    formality: 30,
    verbosity: 65,
    confidence: 75,
    technicality: 40,
    safety: 90,
  },
  configuration: {
    ...configurationDefaults,
    llm_model: 'gpt-4',
    temperature: 0.7,
    max_tokens: 800,
    voice_enabled: true,
    memory_enabled: true,
  },
  voice: voice('calm-female', {
    provider: 'elevenlabs',
    language: 'en-US',
    stability: 0.75,
    similarity_boost: 0.75,
    stt_provider: 'deepgram',
    stt_model: 'nova-2',
  }),
  tags: ['production', 'intake', 'hypnotherapy'],
};

/** Phase 6.1, create_default_agents.py: the TherapyAgent's AgentCreateRequest. */
export const therapyAgentRequest = {
  name: 'TherapyAgent - Hypnotherapist',
  type: 'voice',
  identity: {
    short_description: 'Expert hypnotherapist for manifestation and healing',
    full_description:
      'A skilled hypnotherapist that creates personalized hypnotherapy scripts tailored to user goals',
    character_role: 'Master Hypnotherapist',
    mission: 'Guide users through transformative hypnotherapy sessions for manifestation and healing',
    interaction_style: 'Calm, authoritative yet gentle, deeply therapeutic',
  },
  traits: {
    creativity: 80,
    empathy: 90,
    assertiveness: 65,
    humor: 20,
    formality: 50,
    verbosity: 70,
    confidence: 85,
    technicality: 55,
    safety: 95,
  },
  configuration: {
    ...configurationDefaults,
    llm_model: 'gpt-4',
    temperature: 0.8,
    max_tokens: 1500,
    voice_enabled: true,
    memory_enabled: true,
  },
  voice: voice('soothing-male', {
    provider: 'elevenlabs',
    language: 'en-US',
    speed: 0.9,
    stability: 0.85,
    similarity_boost: 0.8,
    stt_provider: 'deepgram',
    stt_model: 'nova-2',
  }),
  tags: ['production', 'therapy', 'hypnotherapy'],
};

/** Creates an agent and expects 201: the seed's POST /agents. */
export async function createAgentOk(http: HttpClient, token: string, body: unknown) {
  const response = await http.post('/api/v1/agents', body, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** A 422 whose validation errors name `field` (and, when given, the offending value). */
export function expectInvalid(response: ApiResponse, field: string, value?: unknown) {
  expect(response.status, JSON.stringify(response.body)).toBe(422);
  const named = response.body.validation_errors.find((error: { field: string }) => error.field === field);
  expect(named, JSON.stringify(response.body.validation_errors)).toBeDefined();
  if (value !== undefined) expect(named.value).toEqual(value);
}
