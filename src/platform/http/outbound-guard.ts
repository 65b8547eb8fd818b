import { lookup as systemLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { domainToASCII } from 'node:url';
import { Agent, type RequestInit as UndiciRequestInit, fetch as undiciFetch } from 'undici';
import { withPropagatedContext } from '../observability/tracing-propagation.ts';
import { BadRequestError } from './errors.ts';
import { pooledFetch } from './pooled-fetch.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundGuardOptions {
  /** `OUTBOUND_ALLOWLIST` entries: host names, `host:port`, IP addresses (`[v6]:port`) or CIDRs. */
  allowlist: string[];
  /** Resolves host names; the system resolver by default. Tests pass a fake. */
  lookup?: HostLookup;
}

export interface OutboundGuard {
  /** Resolves the URL's host and throws `OutboundBlockedError` when it may not be contacted. */
  assertAllowed(url: string | URL): Promise<void>;
  /**
   * `fetch` that checks the URL and every redirect it follows, and connects only to the addresses
   * it checked. The response is undici's, which has the same shape as the global `Response`.
   */
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
}

/**
 * An outbound request to a user-supplied URL was refused. Carries the host, never the full URL.
 * When the server's operator could allow the target (a private or loopback address, e.g. a local
 * Ollama), the message says how: a first session stumbles on exactly that.
 */
export class OutboundBlockedError extends BadRequestError {
  readonly host: string;
  readonly reason: string;
  constructor(host: string, reason: string, options: { allowable?: boolean } = {}) {
    const hint = options.allowable
      ? `. To allow it, the server's operator adds ${host} to OUTBOUND_ALLOWLIST (comma-separated) and restarts Agentry`
      : '';
    super('outbound_url_blocked', `Outbound request to ${host || 'this URL'} refused: ${reason}${hint}`, {
      host,
      reason,
      ...(options.allowable ? { allowlist_entry: host } : {}),
    });
    this.host = host;
    this.reason = reason;
  }
}

const MAX_REDIRECTS = 5;
/** Connection pools kept per guard (one per host, port, scheme and set of checked addresses). */
const MAX_POOLS = 64;
/** How long an idle kept-alive connection may wait for the next request to the same target. */
const KEEP_ALIVE_TIMEOUT_MS = 10_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Besides the headers the fetch standard drops, the provider key headers: a cross-origin redirect
// must not carry a tenant's credentials to a host the tenant never named.
const CREDENTIAL_HEADERS = [
  'authorization',
  'cookie',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
];

const IPV4_NON_PUBLIC: [reason: string, cidrs: string[]][] = [
  ['a cloud metadata address', ['169.254.169.254/32', '100.100.100.200/32']],
  ['an unspecified address', ['0.0.0.0/8']],
  ['a loopback address', ['127.0.0.0/8']],
  ['a private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['a link-local address', ['169.254.0.0/16']],
  ['a carrier-grade NAT address', ['100.64.0.0/10']],
  ['a multicast address', ['224.0.0.0/4']],
  // IETF assignments, documentation, benchmarking, the old class E and broadcast.
  [
    'a reserved address',
    ['192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4'],
  ],
];

const IPV6_NON_PUBLIC: [reason: string, cidrs: string[]][] = [
  ['a cloud metadata address', ['fd00:ec2::254/128']],
  ['an unspecified address', ['::/128']],
  ['a loopback address', ['::1/128']],
  ['a private address', ['fc00::/7']],
  ['a link-local address', ['fe80::/10']],
  ['a multicast address', ['ff00::/8']],
  // IPv4-compatible, discard, Teredo and other IETF assignments, documentation, site-local, local NAT64.
  ['a reserved address', ['::/96', '100::/64', '2001::/23', '2001:db8::/32', 'fec0::/10', '64:ff9b:1::/48']],
];

function hexGroups(ipv4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

// BlockList already matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against IPv4 rules. IPv4 embedded by
// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) is reachable through gateways, so each IPv4 range is
// also blocked in those two forms.
const NON_PUBLIC = [...IPV4_NON_PUBLIC, ...IPV6_NON_PUBLIC].map(([reason, cidrs]) => {
  const blockList = new BlockList();
  for (const cidr of cidrs) {
    const [network = '', prefixText = ''] = cidr.split('/');
    const prefix = Number(prefixText);
    if (isIP(network) === 6) {
      blockList.addSubnet(network, prefix, 'ipv6');
      continue;
    }
    blockList.addSubnet(network, prefix, 'ipv4');
    blockList.addSubnet(`64:ff9b::${hexGroups(network)}`, 96 + prefix, 'ipv6');
    blockList.addSubnet(`2002:${hexGroups(network)}::`, 16 + prefix, 'ipv6');
  }
  return { reason, blockList };
});

function ipType(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** Why `address` is not a public internet address, or undefined when it is. */
export function nonPublicReason(address: string): string | undefined {
  return NON_PUBLIC.find(({ blockList }) => blockList.check(address, ipType(address)))?.reason;
}

interface AllowlistEntry {
  hostname?: string;
  addresses?: BlockList;
  port?: number;
}

function invalidEntry(entry: string): Error {
  return new Error(
    `Invalid OUTBOUND_ALLOWLIST entry "${entry}": expected a host name, host:port, an IP address, [IPv6]:port or a CIDR`,
  );
}

function parseAllowlistEntry(entry: string): AllowlistEntry {
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/i.exec(entry);
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(entry);
  const hostAndPort = /^([^:/[\]\s]+)(?::(\d{1,5}))?$/.exec(entry);
  const [address, prefix, port] = cidr
    ? [cidr[1] ?? '', Number(cidr[2]), undefined]
    : bracketed
      ? [bracketed[1] ?? '', undefined, bracketed[2]]
      : isIP(entry) === 6
        ? [entry, undefined, undefined]
        : [hostAndPort?.[1] ?? '', undefined, hostAndPort?.[2]];
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && (portNumber < 1 || portNumber > 65_535)) throw invalidEntry(entry);

  const family = isIP(address);
  if (family) {
    const addresses = new BlockList();
    const maximum = family === 6 ? 128 : 32;
    if (prefix !== undefined && prefix > maximum) throw invalidEntry(entry);
    addresses.addSubnet(address, prefix ?? maximum, family === 6 ? 'ipv6' : 'ipv4');
    return { addresses, port: portNumber };
  }
  const hostname = domainToASCII(address.replace(/\.$/, ''));
  if (!hostname || cidr || bracketed) throw invalidEntry(entry);
  return { hostname, port: portNumber };
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** Schemes `fetch` speaks, and those `assertAllowed` also checks for other clients (SMTP replies). */
const FETCH_SCHEMES = ['http:', 'https:'];
const CHECKED_SCHEMES = [...FETCH_SCHEMES, 'smtp:', 'smtps:'];
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'smtp:': 25, 'smtps:': 465 };

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 80);
}

async function defaultLookup(hostname: string): Promise<ResolvedAddress[]> {
  const results = await systemLookup(hostname, { all: true });
  return results.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

/** Fetch's own signal for a network failure, which callers such as the AI SDK treat as retryable. */
function networkError(message: string, cause?: unknown): TypeError {
  return new TypeError('fetch failed', { cause: cause ?? new Error(message) });
}

interface CheckedTarget {
  url: URL;
  addresses: ResolvedAddress[];
}

/** Answers the pinned addresses for the one host it was made for, so connecting never re-resolves. */
function pinnedLookup(hostname: string, addresses: ResolvedAddress[]): LookupFunction {
  return (requested, options, callback) => {
    if (requested !== hostname) {
      callback(new Error(`Unexpected lookup of ${requested} on a connection pinned to ${hostname}`), '');
      return;
    }
    const family = options.family === 4 || options.family === 6 ? options.family : undefined;
    const usable = addresses.filter((address) => family === undefined || address.family === family);
    const first = usable[0];
    if (!first) {
      callback(
        Object.assign(new Error(`No IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }),
        '',
      );
    } else if (options.all) {
      callback(null, usable);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function isReplayable(body: RequestInit['body']): boolean {
  return (
    body == null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof URLSearchParams ||
    body instanceof FormData
  );
}

/** The request for the next hop, following the fetch standard's redirect rules. */
function redirectedInit(init: RequestInit, status: number, crossOrigin: boolean): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  let next: RequestInit = { ...init, headers };
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    next = { ...next, method: 'GET', body: null };
    for (const name of [...headers.keys()]) if (name.startsWith('content-')) headers.delete(name);
  } else if (!isReplayable(init.body)) {
    throw networkError('A streamed request body cannot be sent again to a redirect target');
  }
  if (crossOrigin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  return next;
}

/**
 * The one guard for outbound HTTP to user-supplied URLs: only http and https, and only public
 * addresses unless the host, address or network is allowlisted. Every address a host resolves to
 * is checked, and the connection is then made to those checked addresses (no second resolution,
 * so DNS rebinding cannot slip a private address in between). Connections are kept alive and
 * reused only for the same host and the same checked addresses.
 */
export function createOutboundGuard(options: OutboundGuardOptions): OutboundGuard {
  const allowlist = options.allowlist
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .map(parseAllowlistEntry);
  const lookup = options.lookup ?? defaultLookup;

  const portMatches = (entry: AllowlistEntry, port: number) =>
    entry.port === undefined || entry.port === port;

  async function resolve(hostname: string): Promise<ResolvedAddress[]> {
    const family = isIP(hostname);
    if (family) return [{ address: hostname, family: family === 6 ? 6 : 4 }];
    let addresses: ResolvedAddress[];
    try {
      addresses = await lookup(hostname);
    } catch (error) {
      throw networkError(`Could not resolve ${hostname}`, error);
    }
    if (addresses.length === 0) throw networkError(`${hostname} has no addresses`);
    return addresses;
  }

  async function check(target: string | URL, schemes = FETCH_SCHEMES): Promise<CheckedTarget> {
    const url = URL.parse(target.toString());
    if (!url) throw new OutboundBlockedError('', 'it is not a valid URL');
    if (!schemes.includes(url.protocol)) {
      throw new OutboundBlockedError(
        url.host,
        `the ${url.protocol} scheme is not allowed, only ${schemes.map((scheme) => scheme.slice(0, -1)).join(', ')}`,
      );
    }
    const hostname = stripBrackets(url.hostname);
    const port = effectivePort(url);
    const addresses = await resolve(hostname);
    const hostAllowed = allowlist.some(
      (entry) => entry.hostname === hostname.replace(/\.$/, '') && portMatches(entry, port),
    );
    if (hostAllowed) return { url, addresses };

    for (const { address } of addresses) {
      const reason = nonPublicReason(address);
      const addressAllowed = allowlist.some(
        (entry) => entry.addresses?.check(address, ipType(address)) && portMatches(entry, port),
      );
      if (reason && !addressAllowed) {
        throw new OutboundBlockedError(url.host, `${isIP(hostname) ? 'it is' : 'it resolves to'} ${reason}`, {
          allowable: true,
        });
      }
    }
    return { url, addresses };
  }

  // Kept-alive connections, one pool per checked target: the host, port and scheme, and the exact
  // set of addresses its latest check allowed. A pool only ever connects to those addresses (its
  // lookup answers nothing else), so reusing its connections skips no check: every request is
  // still checked (and its host resolved again) first, and when the host resolves differently the
  // request goes to another pool, with new connections to the newly checked addresses.
  const pools = new Map<string, Agent>();

  function poolFor({ url, addresses }: CheckedTarget): Agent {
    const hostname = stripBrackets(url.hostname);
    const key = [
      url.protocol,
      hostname,
      effectivePort(url),
      ...addresses.map(({ address, family }) => `${family}/${address}`).sort(),
    ].join(' ');
    let pool = pools.get(key);
    if (pool) {
      // Most recently used last: the first key is the one to retire.
      pools.delete(key);
    } else {
      pool = new Agent({
        connect: { lookup: pinnedLookup(hostname, addresses) },
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      });
      if (pools.size >= MAX_POOLS) {
        const [oldestKey, oldest] = pools.entries().next().value as [string, Agent];
        pools.delete(oldestKey);
        // Closing lets the requests it is serving finish, then ends its connections.
        oldest.close().catch(() => undefined);
      }
    }
    pools.set(key, pool);
    return pool;
  }

  function send(target: CheckedTarget, init: RequestInit): Promise<Response> {
    const pool = poolFor(target);
    return pooledFetch(pool, target.url, init, async () => {
      const requestInit = { ...init, redirect: 'manual', dispatcher: pool } as UndiciRequestInit;
      return (await undiciFetch(target.url, requestInit)) as unknown as Response;
    });
  }

  return {
    async assertAllowed(url) {
      await check(url, CHECKED_SCHEMES);
    },

    async fetch(url, init = {}) {
      let target = await check(url);
      // Providers, webhooks and tools see the trace and the correlation id of the work that calls them.
      let hopInit = withPropagatedContext(init);
      for (let redirects = 0; ; redirects++) {
        const response = await send(target, hopInit);
        const location = response.headers.get('location');
        if (!REDIRECT_STATUSES.has(response.status) || !location || init.redirect === 'manual') {
          return response;
        }
        await response.body?.cancel().catch(() => undefined);
        if (init.redirect === 'error') throw networkError('The response redirected and redirect is "error"');
        if (redirects >= MAX_REDIRECTS) {
          throw new OutboundBlockedError(target.url.host, `more than ${MAX_REDIRECTS} redirects`);
        }
        const next = URL.parse(location, target.url.href);
        if (!next) throw networkError('The redirect location is not a valid URL');
        hopInit = redirectedInit(hopInit, response.status, next.origin !== target.url.origin);
        target = await check(next);
      }
    },
  };
}

/**
 * For a URL about to be stored: refuses it when the guard blocks it (OutboundBlockedError), and
 * accepts a host that does not resolve right now, since the guard checks again on every call.
 */
export async function refuseBlockedUrl(guard: Pick<OutboundGuard, 'assertAllowed'>, url: string | URL) {
  try {
    await guard.assertAllowed(url);
  } catch (error) {
    if (error instanceof OutboundBlockedError) throw error;
  }
}
