import type { Principal } from '../tenancy/index.ts';
import type { HealthCheck } from './health-checks.ts';

/** What the monitor asks of the storage of agents' files: the knowledge module provides it. */
export interface AgentFileStorage {
  /** The `file_access` check: the storage the agent's files go to can be written and read back. */
  checkAccess: HealthCheck;
  /** Bytes the agent's files take. */
  usageBytes(principal: Principal, agentId: string): Promise<number>;
}
