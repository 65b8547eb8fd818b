import type { ReceivedEvent } from './event-stream.ts';
import type { ApiResponse, HttpClient } from './http-client.ts';

/**
 * Steady traffic on a server while a test breaks its database: clients that read, write, update
 * (a transaction) and run turns (offline model), each on an agent of its own. 503 is an accepted
 * answer while a connection is lost; anything else unexpected is collected.
 */
export interface MixedLoad {
  /** Answers counted by status. */
  statuses: Map<number, number>;
  /** Answers that are neither the expected status nor 503, and requests that got no answer. */
  unexpected: string[];
  /** Sends one request and counts its answer; undefined when there was none (the server is gone). */
  send(name: string, expected: number, request: () => Promise<ApiResponse>): Promise<ApiResponse | undefined>;
  /** Every answer counted. */
  answered(): number;
  /** Lets each client finish its request and stop. */
  stop(): Promise<void>;
}

export async function startMixedLoad(
  http: HttpClient,
  token: string,
  options: { clients: number; alive: () => boolean },
): Promise<MixedLoad> {
  const as = { token };
  const statuses = new Map<number, number>();
  const unexpected: string[] = [];
  const send: MixedLoad['send'] = async (name, expected, request) => {
    const response = await request().catch((error: Error) => {
      unexpected.push(`${name}: no answer (${error.message}; ${String(error.cause)})`);
      return undefined;
    });
    if (!response) return undefined;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status !== expected && response.status !== 503) {
      unexpected.push(`${name}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response;
  };

  const agentIds: string[] = [];
  for (let index = 0; index < options.clients; index++) {
    const agent = await http.post('/api/v1/agents', { name: `Loaded ${index}` }, as);
    if (agent.status !== 201) throw new Error(`load setup: ${agent.status} ${JSON.stringify(agent.body)}`);
    agentIds.push(agent.body.id);
  }
  let loading = true;
  let updates = 0;
  const clients = agentIds.map(async (agentId, index) => {
    while (loading && options.alive()) {
      await send('list agents', 200, () => http.get('/api/v1/agents?limit=5', as));
      await send('read agent', 200, () => http.get(`/api/v1/agents/${agentId}`, as));
      await send('execute', 200, () =>
        http.post(`/api/v1/agents/${agentId}/execute`, { message: 'status?', stream: false }, as),
      );
      await send('create agent', 201, () => http.post('/api/v1/agents', { name: `Written ${index}` }, as));
      // A transaction: its connection is checked out of the pool between its statements.
      await send('update agent', 200, () =>
        http.patch(`/api/v1/agents/${agentId}`, { role: `Role ${++updates}` }, as),
      );
    }
  });

  return {
    statuses,
    unexpected,
    send,
    answered: () => [...statuses.values()].reduce((sum, count) => sum + count, 0),
    stop: async () => {
      loading = false;
      await Promise.all(clients);
    },
  };
}

const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Seconds until live events flow again: agents are created until `events` (a stream opened
 * earlier) hears one of them (one published before the bus listens again never arrives).
 * Undefined when none is heard within `timeoutMs`, or the server is gone.
 */
export async function secondsUntilEventsFlow(
  load: MixedLoad,
  http: HttpClient,
  token: string,
  events: ReceivedEvent[],
  options: { timeoutMs: number; alive: () => boolean },
): Promise<number | undefined> {
  const startedAt = performance.now();
  const elapsed = () => performance.now() - startedAt;
  while (options.alive() && elapsed() < options.timeoutMs) {
    const marker = await load.send('create agent', 201, () =>
      http.post('/api/v1/agents', { name: 'Marker' }, { token }),
    );
    if (marker?.status !== 201) {
      await pause(50);
      continue;
    }
    const heardBy = performance.now() + 250;
    while (performance.now() < heardBy) {
      if (events.some((event) => event.type === 'agent-created' && event.data.agent_id === marker.body.id)) {
        return elapsed() / 1000;
      }
      await pause(20);
    }
  }
  return undefined;
}
