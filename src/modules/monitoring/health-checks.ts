import type { AgentView } from '../agents/index.ts';
import type { Principal } from '../tenancy/index.ts';
import type { ConfigurationCheckResult } from './configuration-check.ts';
import type { DatabaseCheckResult, TaskProcessingCheckResult } from './platform-checks.ts';

export const checkNames = ['configuration', 'database', 'task_processing', 'file_access'] as const;
export type CheckName = (typeof checkNames)[number];
export type HealthStatus = 'healthy' | 'warning' | 'error';

/** One check's outcome: its status and, when it is not healthy, why; checks add what they looked at. */
export interface CheckResult {
  status: HealthStatus;
  message?: string;
}

/** A check of one agent, run for its organization (a caller, or the monitor's background principal). */
export type HealthCheck<Result extends CheckResult = CheckResult> = (
  principal: Principal,
  agent: AgentView,
) => Promise<Result>;

export interface HealthChecks {
  configuration: HealthCheck<ConfigurationCheckResult>;
  database: HealthCheck<DatabaseCheckResult>;
  task_processing: HealthCheck<TaskProcessingCheckResult>;
  file_access: HealthCheck;
}
export type CheckResults = { [Name in CheckName]: Awaited<ReturnType<HealthChecks[Name]>> };

/** As seed 000: any error makes the whole error, else any warning a warning. */
export function overallStatus(results: CheckResults): HealthStatus {
  const statuses = Object.values(results).map((result) => result.status);
  if (statuses.includes('error')) return 'error';
  if (statuses.includes('warning')) return 'warning';
  return 'healthy';
}

/**
 * Runs every check side by side. A check that throws (the database went away under it) is that
 * check's error, reported without its internals; `onError` gets the cause.
 */
export async function runHealthChecks(
  checks: HealthChecks,
  principal: Principal,
  agent: AgentView,
  onError: (error: unknown, check: CheckName) => void,
): Promise<CheckResults> {
  const results = await Promise.all(
    checkNames.map(async (name): Promise<[CheckName, CheckResult]> => {
      try {
        return [name, await checks[name](principal, agent)];
      } catch (error) {
        onError(error, name);
        return [name, { status: 'error', message: 'The check could not be completed' }];
      }
    }),
  );
  return Object.fromEntries(results) as CheckResults;
}

/** The names of the checks that ended in error. */
export const failedChecks = (results: CheckResults): CheckName[] =>
  checkNames.filter((name) => results[name].status === 'error');
