import { AgentKind } from './agent-kind.ts';
import type { KindRegistry } from './kind-registry.ts';

/**
 * The kinds that ship with Agentry (seed 001's agent types). Their hooks are no-ops: what sets
 * them apart is their capabilities and the settings they accept, which Agentry stores, versions and
 * validates for the integrations that act on them (docs/agent-kinds.md).
 */
class ConversationalKind extends AgentKind {
  readonly slug = 'conversational';
  readonly name = 'Conversational agent';
  readonly agentType = 'assistant';
  override readonly description = 'Answers people in sessions, with memory, knowledge files and tools.';
  override readonly capabilities = ['chat', 'sessions', 'memory', 'knowledge', 'tools'];
  /** Nothing of its own: everything a conversation needs is in the agent's configuration. */
  override readonly configSchema = { type: 'object', additionalProperties: false };
}

class VoiceKind extends AgentKind {
  readonly slug = 'voice';
  readonly name = 'Voice agent';
  readonly agentType = 'assistant';
  override readonly description =
    'Talks to people by voice: speech-to-text in, text-to-speech out, configured by the agent’s voice section.';
  override readonly capabilities = ['chat', 'sessions', 'memory', 'voice'];
  override readonly configSchema = {
    type: 'object',
    properties: {
      barge_in: {
        type: 'boolean',
        description: 'Whether the caller may interrupt the agent while it speaks',
      },
      max_call_seconds: {
        type: 'integer',
        minimum: 10,
        maximum: 14_400,
        description: 'A call ends after this long',
      },
    },
    additionalProperties: false,
  };
  /** The agents module requires the `voice` section of every agent of this kind. */
  override readonly metadata = { requires_sections: ['voice'] };
}

class WorkflowKind extends AgentKind {
  readonly slug = 'workflow';
  readonly name = 'Workflow agent';
  readonly agentType = 'automation';
  override readonly description = 'Works through named steps, several at once at most max_parallel.';
  override readonly capabilities = ['tasks', 'tools', 'structured_output', 'workflow_steps'];
  override readonly configSchema = {
    type: 'object',
    properties: {
      steps: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 200 },
        maxItems: 100,
        description: 'The steps, in order',
      },
      max_parallel: { type: 'integer', minimum: 1, maximum: 32, description: 'Steps running at once' },
    },
    additionalProperties: false,
  };
}

class AutonomousKind extends AgentKind {
  readonly slug = 'autonomous';
  readonly name = 'Autonomous agent';
  readonly agentType = 'automation';
  override readonly description =
    'Works on tasks that arrive from the API, channels and schedules without a person in the loop.';
  override readonly capabilities = ['tasks', 'channels', 'schedules', 'tools', 'memory'];
  override readonly configSchema = {
    type: 'object',
    properties: {
      max_tasks_per_hour: {
        type: 'integer',
        minimum: 1,
        maximum: 100_000,
        description: 'Tasks the agent takes on per hour',
      },
      allowed_triggers: {
        type: 'array',
        items: { enum: ['api', 'slack', 'email', 'webhook', 'schedule'] },
        uniqueItems: true,
        description: 'Where its tasks may come from',
      },
    },
    additionalProperties: false,
  };
}

export function registerBuiltinKinds(registry: Pick<KindRegistry, 'register'>) {
  for (const kind of [new ConversationalKind(), new VoiceKind(), new WorkflowKind(), new AutonomousKind()])
    registry.register(kind);
}
