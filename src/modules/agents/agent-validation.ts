import { ValidationError } from '../../platform/http/errors.ts';
import { type AgentConfig, agentConfigSchema } from './agent-config.ts';

/** The value at a path of the candidate configuration: what the request made of that field. */
const valueAt = (candidate: Record<string, unknown>, path: PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    candidate,
  ) ?? null;

/** A candidate configuration (defaults or the current one, with a change applied), checked whole. */
export function validateConfig(candidate: Record<string, unknown>): AgentConfig {
  const result = agentConfigSchema.safeParse(candidate);
  if (result.success) return result.data;
  throw new ValidationError(
    'The configuration is not valid',
    result.error.issues.flatMap((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: 'unknown field' }));
      }
      return [
        { field: path || 'configuration', message: issue.message, value: valueAt(candidate, issue.path) },
      ];
    }),
  );
}
