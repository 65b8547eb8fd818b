import { randomUUID } from 'node:crypto';

/** Plain HTTP calls the benchmark uses to set up and check its data (not measured). */
export interface Api {
  register(name: string): Promise<string>;
  createAgent(token: string, body: Record<string, unknown>): Promise<string>;
  agentVersion(token: string, agentId: string): Promise<number>;
  historyTotal(token: string, agentId: string): Promise<number>;
  agentTotal(token: string): Promise<number>;
  /** A GET of the API: its JSON body and X-Total-Count (NaN when absent). */
  read(token: string, path: string): Promise<{ json: any; total: number }>;
  /** A POST of the API answering 2xx with JSON. */
  post(token: string, path: string, body: unknown): Promise<any>;
  /** A GET answering 2xx with bytes (a file's content). */
  bytes(token: string, path: string): Promise<Uint8Array>;
}

/** JSON over HTTP to the server: its body and headers; anything but a 2xx throws. */
export async function callJson(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} failed: ${response.status} ${text}`);
  return { json: JSON.parse(text) as Record<string, any>, headers: response.headers };
}

export function apiAt(baseUrl: string): Api {
  const call = (method: string, path: string, token?: string, body?: unknown) =>
    callJson(baseUrl, method, path, token, body);
  const totalOf = (headers: Headers) => Number(headers.get('x-total-count') ?? Number.NaN);

  return {
    async register(name) {
      const { json } = await call('POST', '/api/v1/auth/register', undefined, {
        email: `bench-${randomUUID()}@example.com`,
        password: `Bench-${randomUUID()}`,
        full_name: name,
        organization_name: `${name} organization`,
      });
      if (typeof json.access_token !== 'string') throw new Error('register returned no access_token');
      return json.access_token;
    },
    async createAgent(token, body) {
      const { json } = await call('POST', '/api/v1/agents', token, body);
      if (typeof json.id !== 'string') throw new Error('create agent returned no id');
      return json.id;
    },
    async agentVersion(token, agentId) {
      const { json } = await call('GET', `/api/v1/agents/${agentId}`, token);
      return Number(json.version);
    },
    async historyTotal(token, agentId) {
      return totalOf((await call('GET', `/api/v1/agents/${agentId}/history?limit=1`, token)).headers);
    },
    async agentTotal(token) {
      return totalOf((await call('GET', '/api/v1/agents?limit=1', token)).headers);
    },
    async read(token, path) {
      const { json, headers } = await call('GET', path, token);
      return { json, total: totalOf(headers) };
    },
    async post(token, path, body) {
      return (await call('POST', path, token, body)).json;
    },
    async bytes(token, path) {
      const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) throw new Error(`GET ${path} failed: ${response.status} ${await response.text()}`);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}
