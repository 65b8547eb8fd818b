import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.ts';
import { openBlobStore } from '../../platform/blobs/open-blob-store.ts';
import type { DatabaseConnection } from '../../platform/db/database.ts';
import type { JobRegistry } from '../../platform/queue/job-registry.ts';
import { scheduledBackupJob } from './backup-job.ts';
import { localSecretsOf } from './backup-secrets.ts';
import { type BackupSummary, writeBackup } from './backup-writer.ts';
import { listenOperatorSocket, type OperatorSocket } from './operator-socket.ts';

export { BACKUP_QUEUE } from './backup-job.ts';
export { BackupRefusedError } from './backup-manifest.ts';
export { type RestoreSummary, restoreBackup } from './backup-restorer.ts';
export type { BackupSummary } from './backup-writer.ts';
export { requestServerBackup, ServerBackupError } from './operator-socket.ts';

export type BackupSettings = Pick<
  Config,
  'dataDir' | 'databaseUrl' | 'secretKey' | 'jwtSecret' | 'storage' | 'backups'
>;

/** Writes a backup of the deployment `settings` describe, through its open database `connection`. */
export function backupWriter(
  settings: BackupSettings,
  connection: DatabaseConnection,
  secretKey: Buffer | null,
): (directory: string) => Promise<BackupSummary> {
  const blobs = openBlobStore(settings.storage);
  return (directory) =>
    writeBackup(
      { connection, blobs, dataDir: settings.dataDir, localSecrets: localSecretsOf(settings), secretKey },
      directory,
    );
}

/** Declares the scheduled backup (BACKUP_CRON) with its retention, where workers run (docs/backups.md). */
export function registerBackups(
  app: FastifyInstance,
  options: { settings: BackupSettings; connection: DatabaseConnection; secretKey: Buffer; jobs: JobRegistry },
) {
  const { settings } = options;
  options.jobs.add(
    scheduledBackupJob({
      schedule: settings.backups.cron,
      directory: settings.backups.directory,
      retentionCount: settings.backups.retentionCount,
      writeBackup: backupWriter(settings, options.connection, options.secretKey),
      log: app.log,
    }),
  );
}

/**
 * Opens the operator socket of the embedded database's holder (operator-socket.ts); null when it
 * cannot be (a data directory path too long for a Unix socket): the server runs on, and
 * `agentry backup` then says it needs the server stopped.
 */
export async function serveBackupRequests(
  settings: BackupSettings,
  connection: DatabaseConnection,
  secretKey: Buffer,
  log: { warn(details: Record<string, unknown>, message: string): void },
): Promise<OperatorSocket | null> {
  return listenOperatorSocket(settings.dataDir, backupWriter(settings, connection, secretKey)).catch(
    (error: unknown) => {
      log.warn(
        { err: error },
        'the operator socket could not be opened: `agentry backup` needs the server stopped',
      );
      return null;
    },
  );
}
