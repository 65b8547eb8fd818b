import type { Database } from '../../platform/db/database.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { deleteHistoryBefore } from './agent-repository.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes agent history older than the retention period, daily (DESIGN section 4). Versions are
 * kept: rollback stays possible after field-level detail has aged out.
 */
export function historyRetentionJob(db: Database, retentionDays: number): JobDefinition {
  return {
    queue: {
      name: 'maintenance-history-retention',
      options: { retryLimit: 3, retryBackoff: true, expireInSeconds: 1_800 },
      deadLetter: true,
    },
    schedule: '17 3 * * *',
    handle: async () => {
      await deleteHistoryBefore(db, new Date(Date.now() - retentionDays * DAY_MS));
    },
  };
}
