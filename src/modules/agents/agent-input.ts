import { isDeepStrictEqual } from 'node:util';
import { ValidationError } from '../../platform/http/errors.ts';
import type { AgentConfigPatch, AgentStatus } from './agent-config.ts';
import type { ConfigurationInput } from './agent-schemas.ts';

export interface AgentWriteInput extends ConfigurationInput {
  configuration?: ConfigurationInput | undefined;
  status?: 'active' | 'inactive' | undefined;
  is_active?: boolean | undefined;
  change_reason?: string | undefined;
  expected_version?: number | undefined;
}

type Assignments = Map<string, { value: unknown; source: string }>;

function assign(assignments: Assignments, field: string, value: unknown, source: string) {
  if (value === undefined) return;
  const earlier = assignments.get(field);
  if (earlier && !isDeepStrictEqual(earlier.value, value)) {
    throw new ValidationError('Conflicting values for one field', [
      { field: source, message: `conflicts with ${earlier.source}` },
    ]);
  }
  assignments.set(field, { value, source });
}

function collect(assignments: Assignments, input: ConfigurationInput, prefix: string) {
  const { type, llm_model, memory_k, thread_window, memory_enabled, ...fields } = input;
  for (const [field, value] of Object.entries(fields)) assign(assignments, field, value, `${prefix}${field}`);
  assign(assignments, 'kind', type, `${prefix}type`);
  assign(assignments, 'model', llm_model, `${prefix}llm_model`);
  assign(assignments, 'use_memory_context', memory_enabled, `${prefix}memory_enabled`);
  assign(assignments, 'memory.k', memory_k, `${prefix}memory_k`);
  assign(assignments, 'memory.thread_window', thread_window, `${prefix}thread_window`);
}

/**
 * Turns a request body (fields flat, grouped under `configuration`, or spelled as in seed 001)
 * into one configuration patch. The same field given twice with different values is an error.
 */
export function toConfigPatch(input: AgentWriteInput): {
  patch: AgentConfigPatch;
  status: AgentStatus | undefined;
} {
  const { configuration, status, is_active, change_reason, expected_version, ...flat } = input;
  const assignments: Assignments = new Map();
  if (configuration) collect(assignments, configuration, 'configuration.');
  collect(assignments, flat, '');

  const patch: Record<string, unknown> = {};
  const memory: Record<string, unknown> = {};
  for (const [field, { value }] of assignments) {
    if (field.startsWith('memory.')) memory[field.slice('memory.'.length)] = value;
    else patch[field] = value;
  }
  if (Object.keys(memory).length > 0) {
    const explicit = (patch.memory ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(memory)) {
      if (key in explicit && explicit[key] !== value) {
        throw new ValidationError('Conflicting values for one field', [
          { field: `memory.${key}`, message: 'conflicts with its seed 001 alias' },
        ]);
      }
    }
    patch.memory = { ...explicit, ...memory };
  }

  const statusAssignments: Assignments = new Map();
  assign(statusAssignments, 'status', status, 'status');
  assign(
    statusAssignments,
    'status',
    is_active === undefined ? undefined : is_active ? 'active' : 'inactive',
    'is_active',
  );
  return {
    patch: patch as AgentConfigPatch,
    status: statusAssignments.get('status')?.value as AgentStatus | undefined,
  };
}
