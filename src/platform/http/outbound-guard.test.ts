import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError } from './errors.ts';
import {
  createOutboundGuard,
  type HostLookup,
  nonPublicReason,
  OutboundBlockedError,
  type ResolvedAddress,
} from './outbound-guard.ts';

// Only 127.0.0.1 is ever contacted. Public-looking names resolve through fake lookups, and every
// refusal is asserted to happen before any socket is opened.

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

interface TestServer {
  server: Server;
  port: number;
  url: (path?: string) => string;
  received: ReceivedRequest[];
  close: () => Promise<void>;
}

async function startServer(handler: RequestListener): Promise<TestServer> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counts sockets opened by this process while the tests run. */
const openedSockets: unknown[] = [];
const onSocket = (message: unknown) => openedSockets.push(message);

function fakeLookup(table: Record<string, ResolvedAddress[]>): HostLookup {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses;
  };
}

const LOCAL: ResolvedAddress[] = [{ address: '127.0.0.1', family: 4 }];

/** `socketsBefore` counts connections allowed before the refusal, such as the first hop of a redirect. */
async function expectBlocked(
  promise: Promise<unknown>,
  reason: RegExp,
  socketsBefore = 0,
): Promise<OutboundBlockedError> {
  const socketCount = openedSockets.length;
  const error = await promise.then(
    () => {
      throw new Error('expected the outbound guard to refuse');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OutboundBlockedError);
  const blocked = error as OutboundBlockedError;
  expect(blocked.reason).toMatch(reason);
  expect(openedSockets.length - socketCount).toBe(socketsBefore);
  return blocked;
}

let target: TestServer;

beforeAll(async () => {
  subscribe('net.client.socket', onSocket);
  target = await startServer((request, response) => {
    response.setHeader('content-type', 'text/plain');
    response.end(`hello ${request.headers.host}`);
  });
});

afterAll(async () => {
  unsubscribe('net.client.socket', onSocket);
  await target.close();
});

afterEach(() => {
  target.received.length = 0;
});

describe('nonPublicReason', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.10', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:a00:1::', 'private'],
  ])('classifies %s as %s', (address, reason) => {
    expect(nonPublicReason(address)).toContain(reason);
  });

  it.each([
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('treats %s as public', (address) => {
    expect(nonPublicReason(address)).toBeUndefined();
  });
});

describe('createOutboundGuard', () => {
  it('refuses loopback by default, before connecting', async () => {
    const guard = createOutboundGuard({ allowlist: [] });
    const error = await expectBlocked(guard.fetch(target.url()), /loopback/);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('outbound_url_blocked');
    expect(error.host).toBe(`127.0.0.1:${target.port}`);
    await expectBlocked(guard.assertAllowed(target.url()), /loopback/);
    expect(target.received).toHaveLength(0);
  });

  it('refuses localhost through the system resolver', async () => {
    const guard = createOutboundGuard({ allowlist: [] });
    await expectBlocked(guard.fetch(`http://localhost:${target.port}/`), /loopback/);
  });

  it.each([
    ['host name', 'tools.internal'],
    ['host name and port', 'tools.internal:PORT'],
    ['IP address', '127.0.0.1'],
    ['IP address and port', '127.0.0.1:PORT'],
    ['CIDR', '127.0.0.0/8'],
  ])('allows an allowlisted %s', async (_label, entry) => {
    const guard = createOutboundGuard({
      allowlist: [entry.replace('PORT', String(target.port))],
      lookup: fakeLookup({ 'tools.internal': LOCAL }),
    });
    const response = await guard.fetch(`http://tools.internal:${target.port}/check`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`hello tools.internal:${target.port}`);
    await guard.assertAllowed(`http://tools.internal:${target.port}/`);
  });

  it('allows an allowlisted IP literal URL', async () => {
    const guard = createOutboundGuard({ allowlist: ['10.0.0.0/8', ' 127.0.0.1 '] });
    const response = await guard.fetch(target.url('/literal'));
    expect(await response.text()).toBe(`hello 127.0.0.1:${target.port}`);
  });

  it('refuses an allowlisted host or address on another port', async () => {
    const lookup = fakeLookup({ 'tools.internal': LOCAL });
    const byHost = createOutboundGuard({ allowlist: ['tools.internal:1'], lookup });
    await expectBlocked(byHost.fetch(`http://tools.internal:${target.port}/`), /loopback/);
    const byAddress = createOutboundGuard({ allowlist: ['127.0.0.1:1'], lookup });
    await expectBlocked(byAddress.fetch(target.url()), /loopback/);
  });

  it.each([
    ['10.0.0.1', 4, /private/],
    ['169.254.169.254', 4, /metadata/],
    ['::ffff:10.0.0.1', 6, /private/],
    ['fd00::5', 6, /private/],
  ] as const)('refuses a public name that resolves to %s', async (address, family, reason) => {
    const guard = createOutboundGuard({
      allowlist: ['127.0.0.1'],
      lookup: fakeLookup({ 'api.example.com': [{ address, family }] }),
    });
    await expectBlocked(guard.fetch('https://api.example.com/v1/chat'), reason);
    await expectBlocked(guard.assertAllowed('https://api.example.com/v1/chat'), reason);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const guard = createOutboundGuard({
      allowlist: [],
      lookup: fakeLookup({
        'api.example.com': [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ],
      }),
    });
    await expectBlocked(guard.fetch('https://api.example.com/'), /resolves to a private address/);
  });

  it('connects to the checked address without resolving again', async () => {
    let lookups = 0;
    const socketCount = openedSockets.length;
    const guard = createOutboundGuard({
      allowlist: ['127.0.0.1'],
      lookup: async () => {
        lookups += 1;
        if (lookups > 1) throw new Error('resolved a second time');
        return LOCAL;
      },
    });
    const response = await guard.fetch(`http://rebinding.test:${target.port}/pinned`);
    expect(await response.text()).toBe(`hello rebinding.test:${target.port}`);
    expect(lookups).toBe(1);
    // The socket counter sees undici's connections, so the "before connecting" assertions mean something.
    expect(openedSockets.length).toBe(socketCount + 1);
  });

  it('keeps connections alive for the same host and checked addresses, checking every request', async () => {
    const counted = await startServer((request, response) => response.end(`hello ${request.headers.host}`));
    const server = counted.server;
    let connections = 0;
    server.on('connection', () => {
      connections += 1;
    });
    // The name first resolves to the allowlisted address, then to a private one, then back.
    const answers: ResolvedAddress[][] = [LOCAL, LOCAL, [{ address: '10.0.0.1', family: 4 }], LOCAL];
    let lookups = 0;
    const guard = createOutboundGuard({
      allowlist: ['127.0.0.1'],
      lookup: async () => answers[lookups++] ?? LOCAL,
    });
    // undici takes a connection back a moment after the body was read: a request sent at once
    // would find it still busy and open another.
    const read = async (response: Promise<Response>) => {
      const text = await (await response).text();
      await new Promise((resolve) => setImmediate(resolve));
      return text;
    };
    try {
      const url = `http://reuse.test:${counted.port}/`;
      const hello = `hello reuse.test:${counted.port}`;
      expect(await read(guard.fetch(url))).toBe(hello);
      expect(await read(guard.fetch(url, { method: 'POST', body: 'again' }))).toBe(hello);
      expect(connections).toBe(1);
      // A kept-alive connection does not skip the check: the new resolution is refused.
      await expectBlocked(guard.fetch(url), /private/);
      expect(await read(guard.fetch(url))).toBe(hello);
      expect(lookups).toBe(4);
      expect(connections).toBe(1);
      // Another host name has its own connections, even to the same address.
      await read(guard.fetch(`http://other.test:${counted.port}/`));
      expect(connections).toBe(2);
      expect(counted.received.map((request) => request.headers.host)).toEqual([
        `reuse.test:${counted.port}`,
        `reuse.test:${counted.port}`,
        `reuse.test:${counted.port}`,
        `other.test:${counted.port}`,
      ]);
    } finally {
      await counted.close();
    }
  });

  it('streams a response body that arrives after the headers', async () => {
    const slow = await startServer((_request, response) => {
      response.write('first;');
      setTimeout(() => response.end('second'), 100);
    });
    try {
      const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
      const response = await guard.fetch(slow.url());
      expect(await response.text()).toBe('first;second');
    } finally {
      await slow.close();
    }
  });

  it.each([
    ['file:///etc/passwd', /file: scheme/],
    [`ftp://127.0.0.1:21/`, /ftp: scheme/],
    ['gopher://example.com/', /gopher: scheme/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (url, reason) => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    await expectBlocked(guard.fetch(url), reason);
  });

  it('checks SMTP destinations (for mail replies) like HTTP ones, but fetches only HTTP', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    await expect(guard.assertAllowed('smtp://127.0.0.1:2525')).resolves.toBeUndefined();
    await expectBlocked(guard.assertAllowed('smtp://10.0.0.5:25'), /private/);
    await expectBlocked(guard.assertAllowed('smtps://[::1]'), /loopback/);
    await expectBlocked(guard.fetch('smtp://127.0.0.1:2525'), /smtp: scheme/);
  });

  it.each([
    ['IPv6 loopback', 'http://[::1]:PORT/', /loopback/],
    ['IPv6 unspecified', 'http://[::]:PORT/', /unspecified/],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:PORT/', /loopback/],
    ['unspecified IPv4', 'http://0.0.0.0:PORT/', /unspecified/],
    ['loopback in hexadecimal', 'http://0x7f.1:PORT/', /loopback/],
    ['loopback as an integer', 'http://2130706433:PORT/', /loopback/],
    ['link-local IPv6', 'http://[fe80::1]:PORT/', /link-local/],
  ])('refuses the %s literal', async (_label, url, reason) => {
    const guard = createOutboundGuard({ allowlist: [] });
    await expectBlocked(guard.fetch(url.replace('PORT', String(target.port))), reason);
  });

  it('never puts credentials from the URL in the error', async () => {
    const guard = createOutboundGuard({ allowlist: [] });
    const error = await expectBlocked(guard.fetch('http://admin:hunter2@10.0.0.1/'), /private/);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.details)).not.toContain('hunter2');
    expect(error.host).toBe('10.0.0.1');
  });

  it('reports a name that does not resolve as a network failure, like fetch', async () => {
    const guard = createOutboundGuard({ allowlist: [], lookup: fakeLookup({}) });
    await expect(guard.fetch('https://missing.example.com/')).rejects.toThrow(TypeError);
    await expect(guard.fetch('https://missing.example.com/')).rejects.toThrow('fetch failed');
  });

  it('refuses an invalid allowlist entry when created', () => {
    for (const entry of ['10.0.0.0/40', 'host:99999', 'http://host', '[::1', 'a b']) {
      expect(() => createOutboundGuard({ allowlist: [entry] })).toThrow(/OUTBOUND_ALLOWLIST/);
    }
  });
});

describe('createOutboundGuard redirects', () => {
  let redirector: TestServer;

  beforeAll(async () => {
    redirector = await startServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const location = url.searchParams.get('to');
      const hop = Number(url.searchParams.get('hop') ?? -1);
      if (location) {
        response.writeHead(Number(url.searchParams.get('status') ?? 302), { location });
      } else if (hop > 0) {
        response.writeHead(302, { location: `/chain?hop=${hop - 1}` });
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(
          JSON.stringify({ method: request.method, authorization: request.headers.authorization }),
        );
      }
      response.end();
    });
  });

  afterAll(() => redirector.close());
  afterEach(() => {
    redirector.received.length = 0;
  });

  const lookup = fakeLookup({ 'allowed.test': LOCAL, 'other.test': LOCAL, 'internal.test': LOCAL });

  it('refuses a redirect from an allowlisted host to a private address', async () => {
    const guard = createOutboundGuard({ allowlist: ['allowed.test'], lookup });
    const to = encodeURIComponent(redirector.url('/secret'));
    await expectBlocked(
      guard.fetch(`http://allowed.test:${redirector.port}/start?to=${to}`),
      /it is a loopback address/,
      1,
    );
    expect(redirector.received.map((request) => request.path)).toEqual([`/start?to=${to}`]);
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    const guard = createOutboundGuard({ allowlist: ['allowed.test'], lookup });
    const to = encodeURIComponent(`http://internal.test:${redirector.port}/admin`);
    await expectBlocked(
      guard.fetch(`http://allowed.test:${redirector.port}/?to=${to}`),
      /resolves to a loopback/,
      1,
    );
    expect(redirector.received).toHaveLength(1);
  });

  it('refuses a redirect to a file: URL', async () => {
    const guard = createOutboundGuard({ allowlist: ['allowed.test'], lookup });
    const to = encodeURIComponent('file:///etc/passwd');
    await expectBlocked(guard.fetch(`http://allowed.test:${redirector.port}/?to=${to}`), /file: scheme/, 1);
  });

  it('follows five redirects and refuses the sixth', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    const response = await guard.fetch(redirector.url('/chain?hop=5'));
    expect(response.status).toBe(200);
    expect(response.url).toBe(redirector.url('/chain?hop=0'));
    expect(redirector.received).toHaveLength(6);

    redirector.received.length = 0;
    await expect(guard.fetch(redirector.url('/chain?hop=6'))).rejects.toThrow(/more than 5 redirects/);
    expect(redirector.received).toHaveLength(6);
  });

  it('returns the redirect itself when asked to, and fails on "error"', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    const manual = await guard.fetch(redirector.url('/chain?hop=1'), { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/chain?hop=0');
    await expect(guard.fetch(redirector.url('/chain?hop=1'), { redirect: 'error' })).rejects.toThrow(
      TypeError,
    );
  });

  it('turns a POST into a GET on 303 and keeps credentials on the same origin', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    const response = await guard.fetch(redirector.url('/form?to=%2Fdone&status=303'), {
      method: 'POST',
      headers: { authorization: 'Bearer same-origin', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await response.json()).toEqual({ method: 'GET', authorization: 'Bearer same-origin' });
    expect(redirector.received[1]?.headers['content-type']).toBeUndefined();
  });

  it('drops credentials on a cross-origin redirect and resends a 307 body', async () => {
    const guard = createOutboundGuard({ allowlist: ['allowed.test', 'other.test'], lookup });
    const to = encodeURIComponent(`http://other.test:${redirector.port}/landing`);
    const response = await guard.fetch(`http://allowed.test:${redirector.port}/?to=${to}&status=307`, {
      method: 'POST',
      headers: { authorization: 'Bearer tenant-key', 'x-api-key': 'tenant-key', 'x-trace': 'kept' },
      body: 'payload',
    });
    expect(await response.json()).toEqual({ method: 'POST' });
    const landing = redirector.received[1];
    expect(landing?.headers['x-api-key']).toBeUndefined();
    expect(landing?.headers['x-trace']).toBe('kept');
    expect(landing?.headers['content-length']).toBe('7');
  });

  it('refuses to resend a streamed body to a 307 target', async () => {
    const guard = createOutboundGuard({ allowlist: ['127.0.0.1'] });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    await expect(
      guard.fetch(redirector.url('/?to=%2Fdone&status=307'), {
        method: 'POST',
        body,
        duplex: 'half',
      } as RequestInit),
    ).rejects.toThrow('fetch failed');
  });
});
