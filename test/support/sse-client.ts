export interface ServerSentEvent {
  event: string;
  data: any;
}

export interface StreamedResponse {
  status: number;
  headers: Headers;
  events: ServerSentEvent[];
  /** The body when the server answered JSON instead of a stream (an error before the run). */
  body: any;
}

/** Parses `event:` / `data:` blocks; comment lines (keep-alives) are skipped. */
function parseBlock(block: string): ServerSentEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length > 0 ? { event, data: JSON.parse(data.join('\n')) } : undefined;
}

/**
 * POSTs and reads the Server-Sent Events of the answer. `stopWhen` may end the read early: the
 * connection is then closed, as a client that goes away would.
 */
export async function postForEvents(
  url: string,
  body: unknown,
  options: { token?: string; stopWhen?: (event: ServerSentEvent, events: ServerSentEvent[]) => boolean } = {},
): Promise<StreamedResponse> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: ServerSentEvent[] = [];
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      events,
      body: text ? JSON.parse(text) : null,
    };
  }
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let boundary = buffered.indexOf('\n\n');
      while (boundary >= 0) {
        const parsed = parseBlock(buffered.slice(0, boundary));
        buffered = buffered.slice(boundary + 2);
        boundary = buffered.indexOf('\n\n');
        if (!parsed) continue;
        events.push(parsed);
        if (options.stopWhen?.(parsed, events)) {
          controller.abort();
          return { status: response.status, headers: response.headers, events, body: null };
        }
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return { status: response.status, headers: response.headers, events, body: null };
}
