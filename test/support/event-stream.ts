import WebSocket from 'ws';

export interface ReceivedEvent {
  type: string;
  organization_id: string;
  data: Record<string, any>;
}

/** Reads a Server-Sent Events response over real HTTP, collecting its events as they arrive. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: ReceivedEvent[] = [];
  if (response.ok && response.body) {
    const decoder = new TextDecoder();
    let buffer = '';
    (async () => {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice('data: '.length)) as ReceivedEvent);
          end = buffer.indexOf('\n\n');
        }
      }
    })().catch(() => undefined);
  }
  return { response, events, close: () => controller.abort() };
}

/** A WebSocket client collecting the JSON events it receives. */
export async function openEventSocket(url: string, headers: Record<string, string> = {}) {
  const socket = new WebSocket(url, { headers });
  const events: ReceivedEvent[] = [];
  socket.on('message', (message) => events.push(JSON.parse(String(message)) as ReceivedEvent));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`HTTP ${response.statusCode}`)),
    );
    socket.once('error', reject);
  });
  return { socket, events, close: () => socket.close() };
}
