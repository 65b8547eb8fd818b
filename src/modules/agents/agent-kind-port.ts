import type { AgentStatus } from './agent-config.ts';

export type LifecycleHook = 'initialize' | 'activate' | 'deactivate' | 'shutdown';

/** An agent as its kind's lifecycle hooks see it. */
export interface LifecycleAgent {
  id: string;
  organizationId: string;
  name: string;
  settings: Record<string, unknown>;
  status: AgentStatus;
}

/**
 * The agent kinds as they stood when a change began. Its checks read no database, so that they
 * may run inside the change's transaction (PGlite runs one statement at a time).
 */
export interface AgentKindChecks {
  /** 422 naming `kind`, with the slugs allowed, unless it names an enabled kind this server has loaded. */
  requireUsable(kind: string): void;
  /** 422 naming each offending `settings.<path>` unless the settings match the kind's config_schema. */
  validateSettings(kind: string, settings: Record<string, unknown>): void;
}

/**
 * What the agents module needs of the registry of agent kinds (the kinds module provides it,
 * docs/agent-kinds.md): the definitions' checks, and the kinds' lifecycle hooks.
 */
export interface AgentKindPort {
  current(): Promise<AgentKindChecks>;
  /** Runs one hook of a kind; rejects with the hook's error (a kind not loaded cannot initialize or activate). */
  runHook(kind: string, hook: LifecycleHook, agent: LifecycleAgent): Promise<void>;
}
