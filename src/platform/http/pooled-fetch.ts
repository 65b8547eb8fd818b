import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/**
 * `fetch` over a connection pool through undici's `request`, for the outbound guard's hot path
 * (every model call): the same request and the same `Response`, at about half the CPU of undici's
 * own `fetch`, which runs the whole WHATWG fetch machinery per call (docs/decisions/0006). A JSON
 * answer is read whole and handed over as a `Response` of its text; an event stream stays a
 * stream. Redirects are not followed (the guard follows them itself, re-checking each hop); a
 * network failure is fetch's `TypeError('fetch failed')`, an abort the signal's reason, as fetch
 * reports them. Bodies other than text and bytes go to `fallback` (undici's `fetch`).
 */
export async function pooledFetch(
  pool: Dispatcher,
  url: URL,
  init: RequestInit,
  fallback: () => Promise<Response>,
): Promise<Response> {
  const body = init.body;
  if (body != null && typeof body !== 'string' && !(body instanceof Uint8Array)) return fallback();
  const signal = init.signal ?? undefined;
  let answer: Dispatcher.ResponseData;
  try {
    answer = await pool.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
      headers: headerPairs(init.headers),
      body: body ?? null,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError('fetch failed', { cause: error });
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.append(name, value);
  }
  const status = answer.statusCode;
  if (status === 204 || status === 304 || init.method === 'HEAD') {
    answer.body.resume();
    return located(new Response(null, { status, headers }), url);
  }
  if (headers.get('content-type')?.includes('event-stream')) {
    return located(new Response(Readable.toWeb(answer.body) as ReadableStream, { status, headers }), url);
  }
  let text: string;
  try {
    text = await answer.body.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TypeError('fetch failed', { cause: error });
  }
  return located(new Response(text, { status, headers }), url);
}

/** A constructed Response has no URL; fetch's says where the answer came from. */
const located = (response: Response, url: URL) => Object.defineProperty(response, 'url', { value: url.href });

/** The request's headers as name/value pairs (undici's `request` takes no `Headers`). */
function headerPairs(headers: RequestInit['headers']): string[] {
  const pairs: string[] = [];
  if (!headers) return pairs;
  const entries =
    headers instanceof Headers
      ? headers.entries()
      : Array.isArray(headers)
        ? headers
        : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) pairs.push(name as string, String(value));
  }
  return pairs;
}
