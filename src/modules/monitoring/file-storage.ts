import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Principal } from '../tenancy/index.ts';
import type { CheckResult, HealthCheck } from './health-checks.ts';

/**
 * What the monitor asks of the storage of agents' files: the files module provides its own (its
 * blob store, the bytes its file records hold), which replaces the default below.
 */
export interface AgentFileStorage {
  /** The `file_access` check: the storage the agent's files go to can be written and read back. */
  checkAccess: HealthCheck;
  /** Bytes the agent's files take. */
  usageBytes(principal: Principal, agentId: string): Promise<number>;
}

/**
 * The embedded default's storage, a directory (DATA_DIR/files). No module stores agent files yet,
 * so every agent's usage is 0 bytes; the access check writes, reads back and removes a probe file.
 */
export function localFileStorage(directory: string): AgentFileStorage {
  return {
    async checkAccess(): Promise<CheckResult> {
      const probe = join(directory, `.health-${randomUUID()}`);
      const content = randomUUID();
      try {
        await mkdir(directory, { recursive: true });
        await writeFile(probe, content, { flag: 'wx' });
        const readBack = await readFile(probe, 'utf8');
        if (readBack !== content) return { status: 'error', message: 'The file storage returned other data' };
        return { status: 'healthy' };
      } catch {
        // The path is the operator's business: tenants learn only that storage fails.
        return { status: 'error', message: 'The file storage cannot be written or read' };
      } finally {
        await rm(probe, { force: true }).catch(() => undefined);
      }
    },
    usageBytes: async () => 0,
  };
}
