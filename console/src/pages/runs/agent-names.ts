import { api, unwrap } from '../../api/client.ts';

export interface AgentName {
  id: string;
  name: string;
}

/** The organization's agents (archived too: their runs stay), for filters and to name a run's agent. */
export async function loadAgentNames(): Promise<AgentName[]> {
  const [current, archived] = await Promise.all([
    unwrap(api.GET('/api/v1/agents', { params: { query: { limit: 100 } } })),
    unwrap(api.GET('/api/v1/agents', { params: { query: { limit: 100, status: 'archived' } } })),
  ]);
  return [...current, ...archived]
    .map((agent) => ({ id: agent.id, name: agent.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
