import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the target received it. */
export interface TargetRequest {
  method: string;
  /** The path and query string as sent (still encoded). */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * What an HTTP tool calls in tests: a real HTTP server on 127.0.0.1 with a few behaviours.
 * - `GET /weather?city=`: JSON about the city.
 * - `ANY /echo`: JSON of the request (method, url, headers, body), echoing secret headers too.
 * - `GET /text`: plain text. `GET /bytes?count=`: that many bytes of text.
 * - `GET /slow?ms=`: answers after a delay. `GET /status/<code>`: that status with a text body.
 * - `GET /flaky`: 503 on every other request. `GET /redirect?to=`: 302 to that URL.
 */
export interface HttpToolTarget {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  requests: TargetRequest[];
  close(): Promise<void>;
}

function json(response: ServerResponse, status: number, value: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(value));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHttpToolTarget(): Promise<HttpToolTarget> {
  const requests: TargetRequest[] = [];
  let flakyCalls = 0;
  const server = createServer(async (request, response) => {
    const recorded: TargetRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      body: await bodyOf(request),
    };
    requests.push(recorded);
    const url = new URL(recorded.url, 'http://target');
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (url.pathname === '/weather') {
      json(response, 200, { city: url.searchParams.get('city'), temperature_c: 21, sky: 'clear' });
    } else if (url.pathname === '/echo') {
      json(response, 200, {
        method: recorded.method,
        url: recorded.url,
        headers: recorded.headers,
        body: recorded.body,
      });
    } else if (url.pathname === '/text') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('plain words');
    } else if (url.pathname === '/bytes') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('x'.repeat(Number(url.searchParams.get('count') ?? 0)));
    } else if (url.pathname === '/slow') {
      const timer = setTimeout(() => json(response, 200, { slow: true }), Number(url.searchParams.get('ms')));
      response.on('close', () => clearTimeout(timer));
    } else if (status) {
      response.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
      response.end(`status ${status[1]} from the target`);
    } else if (url.pathname === '/flaky') {
      flakyCalls += 1;
      if (flakyCalls % 2 === 1) json(response, 503, { error: 'try again' });
      else json(response, 200, { attempt: flakyCalls });
    } else if (url.pathname === '/redirect') {
      response.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      response.end();
    } else {
      json(response, 404, { error: 'no such path' });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
