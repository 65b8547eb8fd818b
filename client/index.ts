import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.d.ts';

export type { components, operations, paths };
/** A schema of the API by its name in the document: `Schema<'Agent'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
export type AgentryClient = Client<paths>;

export interface AgentryClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where Agentry listens, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /**
   * The bearer credential: an API key (`agk_...`), an access token, or a function returning the
   * current one (called before every request, so a refreshed token is picked up).
   */
  token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
}

/**
 * A typed client of Agentry's HTTP API (docs/client.md): every path, parameter, body and response is
 * checked by TypeScript against the OpenAPI document it was generated from.
 */
export function createAgentryClient({ baseUrl, token, ...options }: AgentryClientOptions): AgentryClient {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/+$/, ''), ...options });
  if (token !== undefined) client.use(bearer(token));
  return client;
}

function bearer(token: NonNullable<AgentryClientOptions['token']>): Middleware {
  return {
    async onRequest({ request }) {
      const current = typeof token === 'function' ? await token() : token;
      if (current && !request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${current}`);
      }
      return request;
    },
  };
}
