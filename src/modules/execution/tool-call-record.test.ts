import { describe, expect, it } from 'vitest';
import type { AgentTool } from './agent-tool.ts';
import { modelFacingNames, redactedArguments } from './tool-call-record.ts';

const toolNamed = (name: string): AgentTool => ({
  name,
  description: name,
  inputSchema: { type: 'object' },
  execute: async () => null,
});

describe('tool call records', () => {
  it('redacts the values of secret-looking fields, at any depth, and keeps the rest', () => {
    expect(
      redactedArguments({
        city: 'Paris',
        api_key: 'sk-live-123',
        nested: [{ password: 'hunter2', note: 'keep' }],
        'X-Auth-Token': 'abc',
      }),
    ).toEqual({
      city: 'Paris',
      api_key: '[redacted]',
      nested: [{ password: '[redacted]', note: 'keep' }],
      'X-Auth-Token': '[redacted]',
    });
    expect(redactedArguments('plain')).toBe('plain');
  });

  it('offers the model names its API accepts, without collisions', () => {
    const names = modelFacingNames([
      toolNamed('current_time'),
      toolNamed('crm.find'),
      toolNamed('crm__find'),
    ]);
    expect([...names].map(([modelName, tool]) => [modelName, tool.name])).toEqual([
      ['current_time', 'current_time'],
      ['crm__find_2', 'crm.find'],
      ['crm__find', 'crm__find'],
    ]);
  });
});
