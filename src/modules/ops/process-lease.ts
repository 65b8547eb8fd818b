import { hostname } from 'node:os';
import { eq, gt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import { processLeases } from './process-tables.ts';

/**
 * What a module does with work held by processes that are gone: `liveProcessIds` are the leases
 * still alive when `checkedAt` (the database's clock) was read; work that started before then and
 * names no live lease is orphaned.
 */
export type OrphanedWorkHandler = (db: Database, liveProcessIds: string[], checkedAt: Date) => Promise<void>;

export interface ProcessLease {
  /** The lease id, which the work this process starts names. */
  id: string;
  /** Registers what to do with orphaned work, at each check. */
  onOrphanedWork(handler: OrphanedWorkHandler): void;
  /** Starts the heartbeat and the checks (once the modules registered their handlers). */
  start(): void;
  /** Gives the lease up (graceful shutdown): what this process still holds is orphaned at once. */
  release(): Promise<void>;
}

/**
 * The process's lease: a row whose heartbeat every `recoverySeconds / 4` keeps it alive, and
 * which expires once its heartbeat is `recoverySeconds / 2` old. At each heartbeat the process
 * also hands orphaned work (of expired or released leases) to the handlers, then forgets expired
 * leases; so a dead process's work is ended within `recoverySeconds` by any live process. A
 * process that misses heartbeats long enough to lose its lease takes it again at the next one.
 */
export async function acquireProcessLease(
  db: Database,
  options: { role: 'all' | 'api' | 'worker'; recoverySeconds: number; onError(error: unknown): void },
): Promise<ProcessLease> {
  const id = uuidv7();
  const row = { id, role: options.role, hostname: hostname(), pid: process.pid };
  await db.insert(processLeases).values(row);
  const expiry = sql`now() - make_interval(secs => ${options.recoverySeconds / 2})`;
  const handlers: OrphanedWorkHandler[] = [];
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;

  async function heartbeat() {
    const kept = await db
      .update(processLeases)
      .set({ heartbeatAt: sql`now()` })
      .where(eq(processLeases.id, id))
      .returning({ id: processLeases.id });
    if (kept.length === 0) await db.insert(processLeases).values(row).onConflictDoNothing();
  }

  async function handOrphanedWork() {
    const live = await db
      .select({ id: processLeases.id, checkedAt: sql<string>`now()::text` })
      .from(processLeases)
      .where(gt(processLeases.heartbeatAt, expiry));
    const checkedAt = new Date(live[0]?.checkedAt ?? Date.now());
    for (const handler of handlers)
      await handler(
        db,
        live.map((lease) => lease.id),
        checkedAt,
      );
    await db.delete(processLeases).where(lte(processLeases.heartbeatAt, expiry));
  }

  const tick = () => {
    checking = heartbeat()
      .then(handOrphanedWork)
      .catch(options.onError)
      .finally(() => {
        checking = undefined;
      });
  };

  return {
    id,
    onOrphanedWork: (handler) => void handlers.push(handler),
    start() {
      tick();
      timer = setInterval(tick, (options.recoverySeconds * 1000) / 4);
      timer.unref();
    },
    async release() {
      clearInterval(timer);
      await checking;
      await db.delete(processLeases).where(eq(processLeases.id, id));
      await handOrphanedWork().catch(options.onError);
    },
  };
}
