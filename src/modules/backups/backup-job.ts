import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { pruneBackups } from './backup-retention.ts';
import type { BackupSummary } from './backup-writer.ts';

export const BACKUP_QUEUE = 'maintenance-backup';

export interface ScheduledBackupOptions {
  /** Cron (UTC); null: scheduled backups are off. */
  schedule: string | null;
  directory: string;
  retentionCount: number;
  writeBackup(directory: string): Promise<BackupSummary>;
  log: {
    info(details: Record<string, unknown>, message: string): void;
    error(details: Record<string, unknown>, message: string): void;
  };
}

/**
 * The scheduled backup (seed 000: daily at 2 AM), run by one worker per occurrence: writes a
 * backup into the backup directory, then deletes the oldest beyond the retention count. A failed
 * run is logged and not retried: the next occurrence makes a new backup, and the older backups
 * are only pruned after a new one was written. The queue is declared even with backups off, so
 * that occurrences of a schedule set by an earlier configuration find a worker that skips them.
 */
export function scheduledBackupJob(options: ScheduledBackupOptions): JobDefinition {
  return {
    queue: { name: BACKUP_QUEUE, options: { retryLimit: 0, expireInSeconds: 4 * 3600 }, deadLetter: false },
    ...(options.schedule ? { schedule: options.schedule } : {}),
    handle: async () => {
      // The queue keeps a schedule an earlier configuration set: with backups now off, it is ignored.
      if (!options.schedule) {
        options.log.info({}, 'scheduled backups are off (BACKUP_CRON=off): skipped');
        return;
      }
      try {
        const backup = await options.writeBackup(options.directory);
        const removed = await pruneBackups(options.directory, options.retentionCount);
        options.log.info(
          { backup: backup.path, counts: backup.counts, blobs: backup.blobs, removed },
          'scheduled backup written',
        );
      } catch (error) {
        options.log.error({ err: error, directory: options.directory }, 'scheduled backup failed');
        throw error;
      }
    },
  };
}
