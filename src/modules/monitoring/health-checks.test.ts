import { describe, expect, it } from 'vitest';
import type { AgentView } from '../agents/index.ts';
import { backgroundPrincipal } from '../tenancy/index.ts';
import { failedChecks, type HealthChecks, overallStatus, runHealthChecks } from './health-checks.ts';

const principal = backgroundPrincipal({ organizationId: 'org', trigger: 'monitoring', role: 'readonly' });
const agent = {} as AgentView;
const healthy = async () => ({ status: 'healthy' as const });

describe('health checks', () => {
  it('is an error when any check fails, else a warning when any warns, as seed 000', async () => {
    const checks: HealthChecks = {
      configuration: async () => ({ status: 'warning', message: 'fallback unavailable' }),
      database: healthy,
      task_processing: healthy,
      file_access: healthy,
    };
    const warned = await runHealthChecks(checks, principal, agent, () => undefined);
    expect(overallStatus(warned)).toBe('warning');
    expect(failedChecks(warned)).toEqual([]);

    const failed = await runHealthChecks(
      { ...checks, file_access: async () => ({ status: 'error', message: 'read-only' }) },
      principal,
      agent,
      () => undefined,
    );
    expect(overallStatus(failed)).toBe('error');
    expect(failedChecks(failed)).toEqual(['file_access']);
  });

  it('turns a check that throws into that check’s error, keeping the cause for the log only', async () => {
    const causes: unknown[] = [];
    const results = await runHealthChecks(
      {
        configuration: healthy,
        database: async () => {
          throw new Error('connection terminated: password=secret');
        },
        task_processing: healthy,
        file_access: healthy,
      },
      principal,
      agent,
      (error, check) => causes.push([check, (error as Error).message]),
    );
    expect(results.database).toEqual({ status: 'error', message: 'The check could not be completed' });
    expect(results.configuration).toEqual({ status: 'healthy' });
    expect(causes).toEqual([['database', 'connection terminated: password=secret']]);
  });
});
