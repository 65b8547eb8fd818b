import { chmod, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { join, resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { z } from 'zod';
import type { BackupSummary } from './backup-writer.ts';

/**
 * The embedded server's operator socket: a Unix socket in the data directory through which
 * `agentry backup` asks the process holding the database for a consistent copy of it (another
 * process cannot open it). Its 0600 mode is its access control: whoever may use it may read the
 * data directory anyway. It speaks HTTP for framing only, and is no part of the public API.
 */
export const OPERATOR_SOCKET = 'agentry.sock';

const backupRequest = z.object({ directory: z.string().min(1) });

export interface OperatorSocket {
  close(): Promise<void>;
}

/** Listens on DATA_DIR/agentry.sock; a file left there by a killed process is replaced (the caller holds the data directory's lock). */
export async function listenOperatorSocket(
  dataDir: string,
  writeBackup: (directory: string) => Promise<BackupSummary>,
): Promise<OperatorSocket> {
  const path = join(dataDir, OPERATOR_SOCKET);
  await rm(path, { force: true });
  const server = createServer(async (incoming, reply) => {
    const answer = (status: number, body: unknown) => {
      reply.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (incoming.method !== 'POST' || incoming.url !== '/backups')
      return answer(404, { error: 'unknown request' });
    let directory: string;
    try {
      directory = backupRequest.parse(JSON.parse(await text(incoming))).directory;
    } catch {
      return answer(400, { error: 'expected {"directory": "<absolute path>"}' });
    }
    try {
      answer(200, await writeBackup(resolve(directory)));
    } catch (error) {
      answer(500, { error: (error as Error).message });
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(path, () => done());
  });
  await chmod(path, 0o600);
  return {
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** The server answered, but could not write the backup. */
export class ServerBackupError extends Error {}

/** Asks the server holding the data directory to write a backup under `directory`. */
export function requestServerBackup(dataDir: string, directory: string): Promise<BackupSummary> {
  return new Promise((done, fail) => {
    const call = request(
      { socketPath: join(dataDir, OPERATOR_SOCKET), method: 'POST', path: '/backups' },
      async (response) => {
        const body = JSON.parse(await text(response)) as BackupSummary | { error: string };
        if (response.statusCode === 200) done(body as BackupSummary);
        else
          fail(
            new ServerBackupError(
              `The server could not write the backup: ${(body as { error: string }).error}`,
            ),
          );
      },
    );
    call.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        new ServerBackupError(
          `The server holding ${dataDir} does not answer on its operator socket (${error.code ?? error.message}): ` +
            'it may be of an older Agentry, or its data directory path too long for a socket (its log says so); stop it and run `agentry backup` again.',
        ),
      ),
    );
    call.end(JSON.stringify({ directory }));
  });
}
