import { describe, expect, it } from 'vitest';
import { type AgentConfig, type AgentStatus, defaultAgentConfig } from './agent-config.ts';
import { type LifecyclePhase, lifecycleSteps } from './agent-lifecycle.ts';

const agent = { id: 'agent-1', organizationId: 'organization-1' };
const phase = (
  kind: string,
  status: AgentStatus,
  settings: AgentConfig['settings'] = {},
): LifecyclePhase => ({
  config: { ...defaultAgentConfig, kind, settings },
  status,
});
const hooksOf = (before: LifecyclePhase | null, after: LifecyclePhase | null) =>
  lifecycleSteps(agent, before, after).map((step) => `${step.kind}.${step.hook}:${step.agent.status}`);

describe('lifecycleSteps', () => {
  it('initializes a new agent, and activates it when it is created active', () => {
    expect(hooksOf(null, phase('workflow', 'active'))).toEqual([
      'workflow.initialize:active',
      'workflow.activate:active',
    ]);
    expect(hooksOf(null, phase('workflow', 'inactive'))).toEqual(['workflow.initialize:inactive']);
  });

  it('activates and deactivates on status changes only across active', () => {
    expect(hooksOf(phase('voice', 'inactive'), phase('voice', 'active'))).toEqual(['voice.activate:active']);
    expect(hooksOf(phase('voice', 'active'), phase('voice', 'archived'))).toEqual([
      'voice.deactivate:active',
    ]);
    expect(hooksOf(phase('voice', 'inactive'), phase('voice', 'archived'))).toEqual([]);
    expect(hooksOf(phase('voice', 'active', {}), phase('voice', 'active', { barge_in: true }))).toEqual([]);
  });

  it('leaves the old kind and enters the new one on a kind change', () => {
    expect(hooksOf(phase('workflow', 'active'), phase('autonomous', 'active'))).toEqual([
      'workflow.deactivate:active',
      'workflow.shutdown:active',
      'autonomous.initialize:active',
      'autonomous.activate:active',
    ]);
    expect(hooksOf(phase('workflow', 'inactive'), phase('autonomous', 'active'))).toEqual([
      'workflow.shutdown:inactive',
      'autonomous.initialize:active',
      'autonomous.activate:active',
    ]);
  });

  it('deactivates an active agent before shutting it down on delete, with the agent as it was', () => {
    const steps = lifecycleSteps(agent, phase('workflow', 'active', { max_parallel: 2 }), null);
    expect(steps.map((step) => step.hook)).toEqual(['deactivate', 'shutdown']);
    expect(steps[1]?.agent).toEqual({
      id: 'agent-1',
      organizationId: 'organization-1',
      name: 'AI Agent',
      settings: { max_parallel: 2 },
      status: 'active',
    });
    expect(hooksOf(phase('workflow', 'archived'), null)).toEqual(['workflow.shutdown:archived']);
  });
});
