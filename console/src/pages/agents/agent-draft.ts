import type { Schema } from '@agentry/client';
import type { ApiError } from '../../api/api-error.ts';

export type Agent = Schema<'Agent'>;
export type AgentCreateBody = Schema<'AgentCreateInput'>;
export type AgentUpdateBody = Schema<'AgentUpdateInput'>;

/**
 * How a form value (always a string, as inputs hold them) becomes the API's value. `''` means
 * "not given": a new agent takes the server's default, an edit leaves the field as it is, except
 * nullable fields, where clearing sends null.
 */
type FieldKind = 'text' | 'nullable-text' | 'number' | 'nullable-number' | 'boolean' | 'list';

export const TRAITS = [
  'creativity',
  'empathy',
  'assertiveness',
  'humor',
  'formality',
  'verbosity',
  'confidence',
  'technicality',
  'safety',
] as const;

/** The configuration the form edits, by the API's dotted path (the path its 422s name). */
const FIELDS: Record<string, FieldKind> = {
  name: 'text',
  description: 'nullable-text',
  status: 'text',
  kind: 'text',
  agent_type: 'text',
  agent_version: 'text',
  avatar_url: 'nullable-text',
  tags: 'list',
  'identity.short_description': 'text',
  'identity.full_description': 'text',
  'identity.character_role': 'text',
  'identity.mission': 'text',
  'identity.interaction_style': 'text',
  ...Object.fromEntries(TRAITS.map((trait) => [`traits.${trait}`, 'number' as const])),
  provider_id: 'nullable-text',
  model: 'nullable-text',
  temperature: 'number',
  max_tokens: 'number',
  fallback_provider_id: 'nullable-text',
  fallback_model: 'nullable-text',
  role: 'nullable-text',
  tone: 'nullable-text',
  communication_style: 'text',
  response_length: 'text',
  prompt: 'nullable-text',
  initial_context: 'nullable-text',
  initial_ai_msg: 'nullable-text',
  suggestions_prompt: 'nullable-text',
  show_suggestions_after_each_message: 'boolean',
  use_streaming: 'boolean',
  use_memory_context: 'boolean',
  memory_retention: 'number',
  max_context_size: 'number',
  max_iterations: 'number',
  timeout_seconds: 'nullable-number',
  'memory.k': 'number',
  'memory.thread_window': 'number',
  'memory.alpha_recency': 'number',
  'memory.alpha_semantic': 'number',
  'memory.alpha_reinforcement': 'number',
  'resource_limits.max_concurrent_turns': 'nullable-number',
  'resource_limits.max_tokens_per_day': 'nullable-number',
  tools: 'list',
};

export type Draft = Record<string, string>;

export const emptyDraft = (): Draft => Object.fromEntries(Object.keys(FIELDS).map((path) => [path, '']));

export function draftFromAgent(agent: Agent): Draft {
  const draft: Draft = {};
  for (const path of Object.keys(FIELDS)) {
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], agent);
    draft[path] = value == null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return draft;
}

function apiValue(kind: FieldKind, text: string): unknown {
  const trimmed = text.trim();
  if (kind === 'number') return Number(trimmed);
  if (kind === 'nullable-number') return trimmed === '' ? null : Number(trimmed);
  if (kind === 'boolean') return trimmed === 'true';
  if (kind === 'list') return trimmed === '' ? [] : trimmed.split(/\s*,\s*/).filter(Boolean);
  if (kind === 'nullable-text') return trimmed === '' ? null : text;
  return text;
}

function place(body: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = body;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
}

/** A new agent's body: the fields given; the server fills in the rest. */
export function createBody(draft: Draft): AgentCreateBody {
  const body: Record<string, unknown> = {};
  for (const [path, kind] of Object.entries(FIELDS)) {
    const text = draft[path] ?? '';
    if (text.trim() !== '') place(body, path, apiValue(kind, text));
  }
  return body as AgentCreateBody;
}

/** An edit's body: only what changed (sections in part, which the API accepts). */
export function changesBody(draft: Draft, original: Draft): AgentUpdateBody {
  const body: Record<string, unknown> = {};
  for (const [path, kind] of Object.entries(FIELDS)) {
    const text = draft[path] ?? '';
    if (text === original[path]) continue;
    // Clearing a field the API cannot null keeps its value rather than sending nothing sensible.
    if (text.trim() === '' && (kind === 'number' || kind === 'boolean')) continue;
    place(body, path, apiValue(kind, text));
  }
  return body as AgentUpdateBody;
}

/** What a section needs: the draft, a way to change one path, the last refusal and the mode. */
export interface SectionProps {
  draft: Draft;
  change: (path: string, value: string) => void;
  error: ApiError | null;
  creating: boolean;
}

/** The props binding a text input or select to `path`. */
export function bind({ draft, change, error }: SectionProps, path: string) {
  return {
    name: path,
    error,
    value: draft[path] ?? '',
    onChange: (event: { target: { value: string } }) => change(path, event.target.value),
  };
}

/** Placeholder of a field a new agent may leave to the server. */
export const defaultHint = (creating: boolean) => (creating ? 'Server default' : undefined);
