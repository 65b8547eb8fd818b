/** The hooks an agent's lifecycle runs on its kind (docs/agent-kinds.md, Lifecycle). */
export const lifecycleHooks = ['initialize', 'activate', 'deactivate', 'shutdown'] as const;
export type LifecycleHook = (typeof lifecycleHooks)[number];

/** An agent as its kind's hooks see it. */
export interface KindAgent {
  id: string;
  organizationId: string;
  name: string;
  /** The agent's kind-specific settings, valid against the kind's `configSchema`. */
  settings: Record<string, unknown>;
  status: 'active' | 'inactive' | 'archived';
}

/**
 * An agent kind (seed 002's BaseAgent): what its definition says, and the hooks the lifecycle of
 * every agent of the kind runs. Extend it and register an instance with the registry; every hook
 * is a no-op unless overridden. A hook that throws (or rejects) refuses the change it belongs to.
 */
export abstract class AgentKind {
  /** Unique: lower-case letters, digits, `-` and `_`, starting with a letter (at most 64). */
  abstract readonly slug: string;
  abstract readonly name: string;
  /** A category to filter definitions by (e.g. `assistant`, `automation`). */
  abstract readonly agentType: string;
  readonly description: string | null = null;
  readonly capabilities: readonly string[] = [];
  /** The JSON Schema (draft-07 or 2020-12, root type object) an agent's `settings` must match. */
  readonly configSchema: Record<string, unknown> = { type: 'object' };
  /** Anything else worth showing about the kind; JSON, at most 16 KB. */
  readonly metadata: Record<string, unknown> = {};

  /** When an agent of the kind is created (or switched to it). */
  async initialize(_agent: KindAgent): Promise<void> {}
  /** When an agent of the kind becomes active. */
  async activate(_agent: KindAgent): Promise<void> {}
  /** When an active agent of the kind stops being active (inactive, archived, deleted). */
  async deactivate(_agent: KindAgent): Promise<void> {}
  /** When an agent of the kind is deleted (or switched to another kind). */
  async shutdown(_agent: KindAgent): Promise<void> {}
}
