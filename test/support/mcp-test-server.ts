import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { HttpClient } from './http-client.ts';

/**
 * A real MCP server for tests and benchmarks, built with the MCP SDK (McpServer over the
 * streamable HTTP transport, one session per client) on 127.0.0.1. Its tools:
 *
 * - `add` {a, b}: structured content `{sum}` (and the sum as text);
 * - `echo` {text}: the text back;
 * - `slow` {ms?}: answers `done` after `ms` or the server's `slowToolDelayMs` (honours cancellation);
 * - `fail` {reason?}: a tool error (`isError: true`) with the text `Failed: <reason>`;
 * - `large` {bytes?}: a text of `bytes` (default `largeResultBytes`) characters;
 * - `mixed` {}: a text, an image and an embedded resource.
 *
 * It also offers a resource (`test://greeting`) and a prompt (`summarize` {text}). `stop()` and
 * `start()` take it down and bring it back on the same port (open sessions are lost, as when a
 * real server restarts); `offerOnly` changes the tool list that new sessions see.
 */
export interface McpTestServerOptions {
  /** When set, every request must carry `Authorization: Bearer <token>`; others get 401. */
  bearerToken?: string;
  /** How long `slow` waits when its call names no `ms` (default 5000). */
  slowToolDelayMs?: number;
  /** The length of `large`'s text when its call names no `bytes` (default 200_000). */
  largeResultBytes?: number;
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number;
}

export interface McpTestServer {
  /** The MCP endpoint: `http://127.0.0.1:<port>/mcp`. */
  url: string;
  port: number;
  /** Every tool call received, in order. */
  calls: { tool: string; arguments: Record<string, unknown> }[];
  /** Every `Authorization` header received (undefined when absent), in order. */
  authorizations: (string | undefined)[];
  /** How many sessions clients initialized since the server was created. */
  readonly sessionsOpened: number;
  /** Changes `slow`'s default delay. */
  setSlowToolDelay(ms: number): void;
  /** Sessions opened from now on offer only these tools (all of them again: no argument). */
  offerOnly(tools?: readonly string[]): void;
  /** Closes the listener and every connection: the endpoint refuses connections until `start`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** How the tools of `createTestMcpServer` behave. */
export interface TestMcpServerBehaviour {
  /** `slow`'s delay when its call names none, in ms (default 5000); a function is asked at each call. */
  slowToolDelayMs?: number | (() => number);
  /** `large`'s length when its call names none (default 200_000). */
  largeResultBytes?: number;
  /** Told of every tool call. */
  onCall?: (tool: string, args: Record<string, unknown>) => void;
  /** Only these tools are offered; all of them when absent. */
  offered?: readonly string[];
}

/** The test tools, resource and prompt on a fresh McpServer (one per session, or over stdio). */
export function createTestMcpServer(options: TestMcpServerBehaviour = {}): McpServer {
  const server = new McpServer(
    { name: 'agentry-test-mcp', version: '1.0.0' },
    { capabilities: { tools: {}, resources: {}, prompts: {} } },
  );
  const slowDelay = () =>
    typeof options.slowToolDelayMs === 'function'
      ? options.slowToolDelayMs()
      : (options.slowToolDelayMs ?? 5_000);
  const seen = (tool: string, args: Record<string, unknown>) => options.onCall?.(tool, args);

  const tools = new Map<string, RegisteredTool>();
  tools.set(
    'add',
    server.registerTool(
      'add',
      {
        description: 'Adds two numbers.',
        inputSchema: {
          a: z.number().describe('The first number'),
          b: z.number().describe('The second number'),
        },
        outputSchema: { sum: z.number() },
      },
      async ({ a, b }) => {
        seen('add', { a, b });
        return { content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } };
      },
    ),
  );
  tools.set(
    'echo',
    server.registerTool(
      'echo',
      { description: 'Says the text back.', inputSchema: { text: z.string() } },
      async ({ text }) => {
        seen('echo', { text });
        return { content: [{ type: 'text', text }] };
      },
    ),
  );
  tools.set(
    'slow',
    server.registerTool(
      'slow',
      {
        description: 'Answers "done" after a while.',
        inputSchema: { ms: z.number().int().min(0).optional().describe('How long to wait, in ms') },
      },
      async ({ ms }, extra) => {
        seen('slow', ms === undefined ? {} : { ms });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms ?? slowDelay());
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return { content: [{ type: 'text', text: 'done' }] };
      },
    ),
  );
  tools.set(
    'fail',
    server.registerTool(
      'fail',
      { description: 'Always fails.', inputSchema: { reason: z.string().optional() } },
      async ({ reason }) => {
        seen('fail', reason === undefined ? {} : { reason });
        return { content: [{ type: 'text', text: `Failed: ${reason ?? 'no reason'}` }], isError: true };
      },
    ),
  );
  tools.set(
    'large',
    server.registerTool(
      'large',
      { description: 'Returns a long text.', inputSchema: { bytes: z.number().int().min(1).optional() } },
      async ({ bytes }) => {
        seen('large', bytes === undefined ? {} : { bytes });
        return {
          content: [{ type: 'text', text: 'x'.repeat(bytes ?? options.largeResultBytes ?? 200_000) }],
        };
      },
    ),
  );
  tools.set(
    'mixed',
    server.registerTool('mixed', { description: 'Returns a text, an image and a resource.' }, async () => {
      seen('mixed', {});
      return {
        content: [
          { type: 'text', text: 'Here is the chart.' },
          { type: 'image', data: Buffer.from('not really a png').toString('base64'), mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'test://greeting', mimeType: 'text/plain', text: 'Hello!' } },
        ],
      };
    }),
  );
  server.registerResource(
    'greeting',
    'test://greeting',
    { description: 'A friendly greeting.', mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Hello!' }] }),
  );
  for (const [name, tool] of tools) if (options.offered && !options.offered.includes(name)) tool.remove();
  server.registerPrompt(
    'summarize',
    { description: 'Asks for a summary.', argsSchema: { text: z.string().describe('What to summarize') } },
    ({ text }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${text}` } }] }),
  );
  return server;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const reject = (response: ServerResponse, status: number, message: string) =>
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));

export async function startMcpTestServer(options: McpTestServerOptions = {}): Promise<McpTestServer> {
  let slowToolDelayMs = options.slowToolDelayMs ?? 5_000;
  let offered: readonly string[] | undefined;
  let sessionsOpened = 0;
  const calls: McpTestServer['calls'] = [];
  const authorizations: McpTestServer['authorizations'] = [];
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: McpServer }>();

  async function handle(request: IncomingMessage, response: ServerResponse) {
    authorizations.push(request.headers.authorization);
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/mcp') {
      return reject(response, 404, 'Not found');
    }
    if (
      options.bearerToken !== undefined &&
      request.headers.authorization !== `Bearer ${options.bearerToken}`
    ) {
      return reject(response, 401, 'Unauthorized');
    }
    const sessionId = request.headers['mcp-session-id'];
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.transport.handleRequest(request, response, body);
    if (sessionId !== undefined) return reject(response, 404, 'Session not found');
    if (request.method !== 'POST' || !isInitializeRequest(body)) {
      return reject(response, 400, 'Bad request: no session');
    }
    const server = createTestMcpServer({
      slowToolDelayMs: () => slowToolDelayMs,
      largeResultBytes: options.largeResultBytes ?? 200_000,
      onCall: (tool, args) => calls.push({ tool, arguments: args }),
      ...(offered ? { offered } : {}),
    });
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessionsOpened += 1;
        sessions.set(id, { transport, server });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  }

  let httpServer: Server | undefined;
  let port = options.port ?? 0;

  async function start() {
    const listening = createServer((request, response) => {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) reject(response, 500, String(error));
        else response.destroy();
      });
    });
    await new Promise<void>((resolve, fail) => {
      listening.once('error', fail);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    port = (listening.address() as AddressInfo).port;
    httpServer = listening;
  }

  async function stop() {
    const closing = httpServer;
    httpServer = undefined;
    if (!closing) return;
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map(({ server }) => server.close().catch(() => undefined)));
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await start();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    calls,
    authorizations,
    get sessionsOpened() {
      return sessionsOpened;
    },
    setSlowToolDelay(ms) {
      slowToolDelayMs = ms;
    },
    offerOnly(tools) {
      offered = tools;
    },
    stop,
    start,
    close: stop,
  };
}

/**
 * Polls an MCP server registered with Agentry until its check settled (health `connected` or
 * `error`), for a few seconds at most; returns the server as GET /mcp-servers/{id} shows it.
 */
export async function settledMcpServer(http: HttpClient, token: string, serverId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await http.get(`/api/v1/mcp-servers/${serverId}`, { token });
    if (response.status !== 200)
      throw new Error(`GET mcp-server: ${response.status} ${JSON.stringify(response.body)}`);
    if (['connected', 'error'].includes(response.body.health.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`the check did not settle: ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Registers an MCP server with Agentry (201 expected) and waits for its first check to settle. */
export async function registerMcpServer(http: HttpClient, token: string, body: Record<string, unknown>) {
  const created = await http.post('/api/v1/mcp-servers', body, { token });
  if (created.status !== 201)
    throw new Error(`POST mcp-servers: ${created.status} ${JSON.stringify(created.body)}`);
  return settledMcpServer(http, token, created.body.id);
}
