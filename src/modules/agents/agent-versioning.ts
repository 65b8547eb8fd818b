import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { canonicalJson } from '../../platform/text/canonical-json.ts';
import {
  type AgentConfig,
  type AgentConfigPatch,
  agentConfigFields,
  defaultVoice,
  keyedFields,
  type SectionField,
  sectionFields,
} from './agent-config.ts';

export interface FieldChange {
  /** A top-level field, or `section.field` inside identity, traits, voice, memory, resource_limits and settings. */
  field: string;
  oldValue: unknown;
  newValue: unknown;
}

const isSection = (field: string): field is SectionField =>
  (sectionFields as readonly string[]).includes(field);

/**
 * Applies a partial update to a configuration. Sections merge field by field; `voice: null`
 * removes the voice section, and a new voice section starts from the seed defaults.
 * The result is a candidate: the caller validates it as a whole.
 */
export function applyConfigPatch(base: AgentConfig, patch: AgentConfigPatch): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (field === 'voice') {
      merged.voice = value === null ? null : { ...defaultVoice, ...(base.voice ?? {}), ...(value as object) };
    } else if (isSection(field)) {
      merged[field] = { ...base[field], ...(value as object) };
    } else {
      merged[field] = value;
    }
  }
  return merged;
}

/** Field-level differences between two configurations, in declaration order. */
export function diffConfigs(before: AgentConfig, after: AgentConfig): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of agentConfigFields) {
    const oldValue = before[field];
    const newValue = after[field];
    if (isDeepStrictEqual(oldValue, newValue)) continue;
    if (keyedFields.includes(field) && oldValue && newValue) {
      const oldSection = oldValue as Record<string, unknown>;
      const newSection = newValue as Record<string, unknown>;
      for (const key of new Set([...Object.keys(oldSection), ...Object.keys(newSection)])) {
        // A key only one side has (settings are the kind's) reads as null on the other.
        if (!isDeepStrictEqual(oldSection[key], newSection[key])) {
          changes.push({
            field: `${field}.${key}`,
            oldValue: oldSection[key] ?? null,
            newValue: newSection[key] ?? null,
          });
        }
      }
    } else {
      changes.push({ field, oldValue, newValue });
    }
  }
  return changes;
}

/** History stores strings as they are and everything else as JSON (seed 000); null stays null. */
export function historyValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** SHA-256 of the snapshot's canonical JSON: equal configurations have equal checksums. */
export function configChecksum(config: AgentConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}
