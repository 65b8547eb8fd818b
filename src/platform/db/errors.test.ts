import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './errors.ts';

/**
 * The errors are real: node-postgres and pg-pool (through Drizzle) talking to loopback servers
 * that refuse, stall, hang up or answer the startup with a PostgreSQL error.
 */
const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

async function loopbackServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** PostgreSQL's ErrorResponse message, as a server sends it to refuse a connection. */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${sqlState}\0M${message}\0\0`);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** What a Drizzle query on a pool of `port` fails with. */
async function queryFailure(port: number, options: pg.PoolConfig = {}): Promise<unknown> {
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'agentry', database: 'agentry', ...options });
  pool.on('error', () => undefined);
  try {
    await drizzle({ client: pool }).execute(sql`select 1`);
    throw new Error('the query succeeded');
  } catch (error) {
    return error;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection through Drizzle’s wrapper', async () => {
    const error = await queryFailure(await closedPort());
    expect((error as Error).message).toMatch(/^Failed query/);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a connection lost before the server answered', async () => {
    const port = await loopbackServer((socket) => socket.destroy());
    const error = await queryFailure(port);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a server that does not answer within the connection timeout', async () => {
    const port = await loopbackServer(() => undefined);
    const error = await queryFailure(port, { connectionTimeoutMillis: 200 });
    expect(String((error as Error).cause)).toContain('Connection terminated due to connection timeout');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a query that waits too long for a connection of a full pool', async () => {
    const port = await loopbackServer(() => undefined);
    const pool = new pg.Pool({ host: '127.0.0.1', port, max: 1, connectionTimeoutMillis: 300 });
    pool.on('error', () => undefined);
    const first = pool.query('select 1').catch((error: unknown) => error);
    const second = await pool.query('select 1').catch((error: unknown) => error);
    expect((second as Error).message).toBe('timeout exceeded when trying to connect');
    expect(isDatabaseUnavailable(second)).toBe(true);
    await first;
    await pool.end().catch(() => undefined);
  });

  it.each([
    ['57P03', 'the database system is starting up'],
    ['57P01', 'terminating connection due to administrator command'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
  ])('recognises a server refusing with SQLSTATE %s', async (sqlState, message) => {
    const port = await loopbackServer((socket) => {
      socket.once('data', () => socket.end(errorResponse(sqlState, message)));
    });
    const error = await queryFailure(port);
    expect(String((error as Error).cause)).toContain(message);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['28P01', 'password authentication failed for user "agentry"'],
    ['3D000', 'database "agentry" does not exist'],
  ])('does not take a refusal that waiting cannot cure (SQLSTATE %s) for an outage', async (sqlState, message) => {
    const port = await loopbackServer((socket) => {
      socket.once('data', () => socket.end(errorResponse(sqlState, message)));
    });
    const error = await queryFailure(port);
    expect(String((error as Error).cause)).toContain(message);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('does not take an outbound HTTP call that could not connect for the database', async () => {
    const error = await fetch(`http://127.0.0.1:${await closedPort()}/`).catch((failure: unknown) => failure);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
