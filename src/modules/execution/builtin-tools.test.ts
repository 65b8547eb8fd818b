import { describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import { ToolInputError } from './agent-tool.ts';
import {
  builtinToolNames,
  builtinToolProvider,
  currentTimeTool,
  searchSessionMessagesTool,
} from './builtin-tools.ts';
import { toolsForTurn } from './turn-tools.ts';

const principal: Principal = { organizationId: 'org', role: 'agent_user', userId: null, apiKeyId: null };
const context = (sessionId: string | null = 'session-1') => ({
  principal,
  agent: { id: 'agent-1', name: 'Agent' },
  sessionId,
  sessionStored: true,
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
    const tool = searchSessionMessagesTool(async (...args) => {
      calls.push(args);
      return [{ id: 'm1', role: 'user', content: 'x'.repeat(1_500), created_at: '2026-06-01T12:00:00.000Z' }];
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

describe('toolsForTurn', () => {
  const agent = (tools: string[]) => ({ tools }) as unknown as AgentView;
  const search = async () => [];

  it('names the built-in tools as builtinToolNames lists them', async () => {
    const { tools } = await toolsForTurn(
      [builtinToolProvider(search)],
      principal,
      agent([...builtinToolNames]),
    );
    expect(tools.map((tool) => tool.name)).toEqual([...builtinToolNames]);
  });

  it('selects an agent’s tools by name, in its order, once each, and warns about unknown names', async () => {
    const { tools, warnings } = await toolsForTurn(
      [builtinToolProvider(search)],
      principal,
      agent(['search_session_messages', 'weather', 'current_time', 'search_session_messages']),
    );
    expect(tools.map((tool) => tool.name)).toEqual(['search_session_messages', 'current_time']);
    expect(warnings).toEqual(['Unknown tool "weather" ignored']);
  });

  it('asks every provider for the principal’s organization, and the first to offer a name wins it', async () => {
    const asked: string[] = [];
    const own = currentTimeTool(noon);
    const organizationTools = {
      name: 'organization',
      toolsFor: async (who: Principal) => {
        asked.push(who.organizationId);
        return [{ ...own, description: 'the organization’s own clock' }];
      },
    };
    const { tools } = await toolsForTurn(
      [organizationTools, builtinToolProvider(search)],
      principal,
      agent(['current_time']),
    );
    expect(asked).toEqual(['org']);
    expect(tools.map((tool) => tool.description)).toEqual(['the organization’s own clock']);
    // An agent without tools asks no provider.
    expect(await toolsForTurn([organizationTools], principal, agent([]))).toEqual({
      tools: [],
      warnings: [],
    });
    expect(asked).toHaveLength(1);
  });

  it('shows the model the JSON Schema written once as zod', () => {
    expect(currentTimeTool().inputSchema).toEqual({
      type: 'object',
      properties: {
        timezone: { type: 'string', maxLength: 200, description: 'An IANA time zone, e.g. America/New_York' },
      },
      additionalProperties: false,
    });
  });
});
