/**
 * The upload benchmark's HTTP ceiling: a plain node:http server in its own process that reads every
 * request body whole, discards it, and answers 201 with the byte count. Prints `{"url": ...}` as
 * one JSON line on stdout once it listens; stops on SIGTERM.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const server = createServer((request, response) => {
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  request.on('end', () => {
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ size }));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
