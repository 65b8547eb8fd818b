import type autocannon from 'autocannon';
import type { Api } from './api.ts';

/** The no-op route bench/server.ts adds to the real application: the ceiling. */
export const NOOP_PATH = '/__bench/noop';
export const CONNECTIONS = [1, 16] as const;
/** Agents of the reading organization: what get reads and list pages through (20 at a time). */
const READ_AGENTS = 48;

export type ScenarioKey = 'ceiling' | 'get' | 'list' | 'create' | 'update';

/** What a scenario changed, checked against the number of 2xx responses it received. */
export type Check = (ok: number) => Promise<{ note: string; problem?: string }>;

export interface Scenario {
  key: ScenarioKey;
  label: string;
  headers: Record<string, string>;
  requestFor(connection: number): autocannon.Request;
  /** Reads the state the scenario changes before it runs; the check compares it afterwards. */
  before?(connections: number): Promise<Check>;
}

export interface Fixture {
  readerToken: string;
  writerToken: string;
  readAgents: string[];
  /** One agent per connection: concurrent updates never wait on each other's row lock. */
  updateAgents: string[];
}

export const agentBody = (name: string) => ({
  name,
  description: 'Created by npm run bench',
  role: 'Support',
  prompt: 'You are a helpful support agent. Answer briefly and politely.',
  tags: ['bench'],
});

/** Two organizations: one with a fixed set of agents to read and update, one that create fills. */
export async function prepareFixture(api: Api): Promise<Fixture> {
  const readerToken = await api.register('Bench reader');
  const writerToken = await api.register('Bench writer');
  const readAgents: string[] = [];
  for (let i = 0; i < READ_AGENTS; i++)
    readAgents.push(await api.createAgent(readerToken, agentBody(`bench-read-${i}`)));
  const updateAgents: string[] = [];
  for (let i = 0; i < Math.max(...CONNECTIONS); i++) {
    updateAgents.push(await api.createAgent(readerToken, agentBody(`bench-update-${i}`)));
  }
  return { readerToken, writerToken, readAgents, updateAgents };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export function scenarios(api: Api, fixture: Fixture): Scenario[] {
  const { readerToken, writerToken, readAgents, updateAgents } = fixture;
  let created = 0;
  let updated = 0;
  return [
    {
      key: 'ceiling',
      label: `GET ${NOOP_PATH}`,
      headers: {},
      requestFor: () => ({ method: 'GET', path: NOOP_PATH }),
    },
    {
      key: 'get',
      label: 'GET /api/v1/agents/{id}',
      headers: bearer(readerToken),
      requestFor: (connection) => ({
        method: 'GET',
        path: `/api/v1/agents/${readAgents[connection % readAgents.length]}`,
      }),
    },
    {
      key: 'list',
      label: 'GET /api/v1/agents?limit=20',
      headers: bearer(readerToken),
      requestFor: () => ({ method: 'GET', path: '/api/v1/agents?limit=20' }),
    },
    {
      key: 'create',
      label: 'POST /api/v1/agents',
      headers: { ...bearer(writerToken), ...json },
      requestFor: () => ({
        method: 'POST',
        path: '/api/v1/agents',
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify(agentBody(`bench-create-${created++}`)),
        }),
      }),
      before: async (connections) => {
        const before = await api.agentTotal(writerToken);
        return async (ok) => {
          const added = (await api.agentTotal(writerToken)) - before;
          const note = `create x${connections}: ${added} agents added for ${ok} 2xx responses`;
          return added >= ok ? { note } : { note, problem: `${note}: fewer agents than successful creates` };
        };
      },
    },
    {
      key: 'update',
      label: 'PATCH /api/v1/agents/{id}',
      headers: { ...bearer(readerToken), ...json },
      requestFor: (connection) => ({
        method: 'PATCH',
        path: `/api/v1/agents/${updateAgents[connection % updateAgents.length]}`,
        // A new role every request: each one really appends a version and a history row.
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ role: `A-${updated++}` }) }),
      }),
      before: async (connections) => {
        const agents = updateAgents.slice(0, connections);
        const versions = () => Promise.all(agents.map((id) => api.agentVersion(readerToken, id)));
        const histories = () => Promise.all(agents.map((id) => api.historyTotal(readerToken, id)));
        const [versionsBefore, historyBefore] = [sum(await versions()), sum(await histories())];
        return async (ok) => {
          const appended = sum(await versions()) - versionsBefore;
          const rows = sum(await histories()) - historyBefore;
          const note = `update x${connections}: ${appended} versions and ${rows} history rows appended for ${ok} 2xx responses`;
          return appended >= ok && rows >= ok
            ? { note }
            : { note, problem: `${note}: fewer than successful updates` };
        };
      },
    },
  ];
}
