import { describe, expect, it } from 'vitest';
import type { Principal } from '../tenancy/index.ts';
import {
  createToolCatalog,
  currentTimeTool,
  searchSessionMessagesTool,
  ToolInputError,
} from './agent-tools.ts';

const principal: Principal = { organizationId: 'org', role: 'agent_user', userId: null, apiKeyId: null };
const context = (sessionId: string | null = 'session-1') => ({
  principal,
  agent: { id: 'agent-1', name: 'Agent' },
  sessionId,
  runId: 'run-1',
  signal: new AbortController().signal,
});
const noon = () => new Date('2026-06-01T12:00:00.000Z');

describe('current_time', () => {
  const tool = currentTimeTool(noon);

  it('answers in UTC, and in a given IANA time zone', async () => {
    expect(await tool.execute({}, context())).toEqual({ iso: '2026-06-01T12:00:00.000Z', timezone: 'UTC' });
    expect(await tool.execute({ timezone: 'Europe/Paris' }, context())).toEqual({
      iso: '2026-06-01T12:00:00.000Z',
      timezone: 'Europe/Paris',
      local: '2026-06-01 14:00:00',
    });
  });

  it('answers an unknown zone in UTC with a warning, and refuses input of the wrong type', async () => {
    expect(await tool.execute({ timezone: 'Mars/Olympus' }, context())).toMatchObject({
      timezone: 'UTC',
      warning: expect.stringContaining('Mars/Olympus'),
    });
    await expect(tool.execute({ timezone: 42 }, context())).rejects.toBeInstanceOf(ToolInputError);
  });
});

describe('search_session_messages', () => {
  it('searches only the turn’s own session, through the conversations service', async () => {
    const calls: unknown[] = [];
    const tool = searchSessionMessagesTool({
      searchMessages: async (...args) => {
        calls.push(args);
        return [
          {
            id: 'm1',
            role: 'user',
            content: 'x'.repeat(1_500),
            created_at: '2026-06-01T12:00:00.000Z',
          } as never,
        ];
      },
    });
    const result = (await tool.execute({ query: 'invoice' }, context())) as {
      matches: { content: string }[];
    };
    expect(calls).toEqual([[principal, 'session-1', 'invoice', 5]]);
    expect(result.matches[0]?.content).toHaveLength(1_001);
    expect(await tool.execute({ query: 'invoice' }, context(null))).toMatchObject({ matches: [] });
    await expect(tool.execute({ query: '' }, context())).rejects.toBeInstanceOf(ToolInputError);
    expect(calls).toHaveLength(1);
  });
});

describe('tool catalog', () => {
  it('selects an agent’s tools by name, once each, and reports unknown names', () => {
    const catalog = createToolCatalog([currentTimeTool(noon)]);
    const { tools, unknown } = catalog.select(['current_time', 'weather', 'current_time']);
    expect(tools.map((tool) => tool.name)).toEqual(['current_time']);
    expect(unknown).toEqual(['weather']);
  });
});
