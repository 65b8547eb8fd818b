import { createAgentryClient } from '@agentry/client';
import { ApiError, type ErrorBody } from './api-error.ts';
import { accessToken, refreshAccessToken } from './tokens.ts';

/** The console's one client of the API, on the origin that served it, with the session's access token. */
export const api = createAgentryClient({ baseUrl: window.location.origin, token: accessToken });

// A request whose token expired is sent once more after a silent refresh; its copy is kept until then.
const copies = new Map<string, Request>();
api.use({
  onRequest({ request, id }) {
    copies.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const copy = copies.get(id);
    copies.delete(id);
    if (response.status !== 401 || !copy) return response;
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as ErrorBody | null;
    if (body?.code !== 'token_expired' || !(await refreshAccessToken())) return response;
    copy.headers.set('authorization', `Bearer ${accessToken()}`);
    return fetch(copy);
  },
  onError({ id }) {
    copies.delete(id);
  },
});

/** The data of an answered request, or its error thrown as an ApiError. */
export async function unwrap<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  throw new ApiError(
    response.status,
    (error ?? null) as ErrorBody | null,
    response.headers.get('x-request-id'),
  );
}

/** The X-Total-Count of a paginated list response. */
export async function withTotal<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ items: T; total: number }> {
  const answered = await pending;
  const items = await unwrap(Promise.resolve(answered));
  return { items, total: Number(answered.response.headers.get('x-total-count') ?? 0) };
}
