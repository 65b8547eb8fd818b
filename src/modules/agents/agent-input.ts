import { isDeepStrictEqual } from 'node:util';
import { ValidationError } from '../../platform/http/errors.ts';
import { agentFieldAliases, isAlias } from './agent-aliases.ts';
import type { AgentConfigPatch, AgentStatus } from './agent-config.ts';
import type { ConfigurationInput } from './agent-schemas.ts';

export interface AgentWriteInput extends ConfigurationInput {
  configuration?: ConfigurationInput | null | undefined;
  status?: AgentStatus | null | undefined;
  is_active?: boolean | undefined;
  change_reason?: string | undefined;
  expected_version?: number | undefined;
}

/** Where a value was given, as the caller spelled it (e.g. configuration.llm_provider). */
interface Given<T> {
  value: T;
  source: string;
}

/**
 * A write request in Agentry's terms. Aliases that need the organization's data (a provider
 * named by name or type) or the resulting configuration (voice_enabled, tools_enabled) are
 * carried for the service to settle.
 */
export interface AgentWrite {
  patch: AgentConfigPatch;
  status: AgentStatus | undefined;
  providerReference?: Given<string> | undefined;
  voiceEnabled?: Given<boolean> | undefined;
  toolsEnabled?: Given<boolean> | undefined;
  /** Where each top-level field of the patch was given (`type` for kind): checks made later name it so. */
  sources: Record<string, string>;
}

type Assignments = Map<string, Given<unknown>>;

export const conflict = (source: string, earlier: string) =>
  new ValidationError('Conflicting values for one field', [
    { field: source, message: `conflicts with ${earlier}` },
  ]);

function assign(assignments: Assignments, field: string, value: unknown, source: string) {
  if (value === undefined) return;
  const earlier = assignments.get(field);
  if (earlier && !isDeepStrictEqual(earlier.value, value)) throw conflict(source, earlier.source);
  assignments.set(field, { value, source });
}

function assignAlias(assignments: Assignments, name: string, value: unknown, source: string) {
  if (!isAlias(name)) return assign(assignments, name, value, source);
  const { target } = agentFieldAliases[name];
  switch (target.kind) {
    case 'field':
      return assign(assignments, target.field, value, source);
    case 'provider':
      return assign(assignments, '(provider reference)', value, source);
    case 'voice_enabled':
      return assign(assignments, '(voice enabled)', value, source);
    case 'tools_enabled':
      return assign(assignments, '(tools enabled)', value, source);
  }
}

/**
 * Python clients send an optional field they leave unset as null (pydantic's model_dump). Where
 * null cannot mean anything else (a section, a name), it means "not given".
 */
const nullMeansAbsent = new Set([
  'identity',
  'traits',
  'memory',
  'resource_limits',
  'settings',
  'name',
  'tags',
]);

function collect(assignments: Assignments, input: ConfigurationInput, prefix: string) {
  const { model_config, ...fields } = input;
  for (const [name, value] of Object.entries(fields)) {
    if (value === null && nullMeansAbsent.has(name)) continue;
    assignAlias(assignments, name, value, `${prefix}${name}`);
  }
  for (const [name, value] of Object.entries(model_config ?? {})) {
    assignAlias(assignments, name, value, `${prefix}model_config.${name}`);
  }
}

/** Section fields given through aliases (memory.k) join the section given whole (memory). */
function foldSections(assignments: Assignments): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const dotted: [string, Given<unknown>][] = [];
  for (const [field, given] of assignments) {
    if (field.startsWith('(')) continue;
    if (field.includes('.')) dotted.push([field, given]);
    else patch[field] = given.value;
  }
  for (const [field, given] of dotted) {
    const [section = '', key = ''] = field.split('.');
    const explicit = (patch[section] ?? {}) as Record<string, unknown>;
    if (key in explicit && !isDeepStrictEqual(explicit[key], given.value)) {
      throw conflict(given.source, `${assignments.get(section)?.source ?? section}.${key}`);
    }
    patch[section] = { ...explicit, [key]: given.value };
  }
  return patch;
}

/**
 * Turns a request body (fields flat, grouped under `configuration`, or spelled as in the seeds)
 * into one write in Agentry's terms. The same field given twice with different values, under
 * any names, is a 422 naming the second.
 */
export function toAgentWrite(input: AgentWriteInput): AgentWrite {
  const { configuration, status, is_active, change_reason, expected_version, ...flat } = input;
  const assignments: Assignments = new Map();
  if (configuration) collect(assignments, configuration, 'configuration.');
  collect(assignments, flat, '');

  // is_active (seeds 000, 003) is an alias of the status, not of a configuration field, so it is
  // settled here rather than in the alias table (agent-aliases.ts).
  const statusAssignments: Assignments = new Map();
  assign(statusAssignments, 'status', status ?? undefined, 'status');
  assign(
    statusAssignments,
    'status',
    is_active === undefined ? undefined : is_active ? 'active' : 'inactive',
    'is_active',
  );
  const settled = (name: string) => assignments.get(name) as Given<never> | undefined;
  return {
    patch: foldSections(assignments) as AgentConfigPatch,
    status: statusAssignments.get('status')?.value as AgentStatus | undefined,
    providerReference: settled('(provider reference)'),
    voiceEnabled: settled('(voice enabled)'),
    toolsEnabled: settled('(tools enabled)'),
    sources: Object.fromEntries(
      [...assignments].flatMap(([field, given]) => (/^[a-z_]+$/.test(field) ? [[field, given.source]] : [])),
    ),
  };
}
