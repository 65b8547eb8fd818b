/**
 * A worker thread of clients that execute an agent again and again, each on its own connection,
 * until told to stop: load from outside the event loop under test, as other machines would send
 * it. Refused clients wait as client libraries do (Retry-After, with jitter). Posts `steady` once
 * every client has had its first answer, and every response's status and body when it stops.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface ExecutionLoad {
  url: string;
  token: string;
  agentId: string;
  clients: number;
}

export interface ExecutionOutcome {
  status: number;
  body: unknown;
}

const { url, token, agentId, clients } = workerData as ExecutionLoad;
let running = true;
const outcomes: ExecutionOutcome[] = [];
parentPort?.once('message', () => {
  running = false;
});

let answered = 0;

async function client(index: number) {
  for (let round = 0; running || round === 0; round++) {
    const response = await fetch(`${url}/api/v1/agents/${agentId}/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: `client ${index} round ${round}` }),
    });
    outcomes.push({ status: response.status, body: await response.json() });
    // Every client connected and answered once: the load is in its steady state.
    if (round === 0 && ++answered === clients) parentPort?.postMessage({ steady: true });
    if (response.status === 429) {
      const waitMs = Number(response.headers.get('retry-after')) * 1000 * (1 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
parentPort?.postMessage({ outcomes });
