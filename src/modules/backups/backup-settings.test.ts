import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.ts';

const postgres = {
  DATABASE_URL: 'postgres://agentry@db.internal/agentry',
  JWT_SECRET: 'a-jwt-secret-that-is-long-enough-for-hs256',
  AGENTRY_SECRET_KEY: 'ab'.repeat(32),
};

describe('backup settings', () => {
  it('back up the embedded database nightly at 02:00 UTC into DATA_DIR/backups, keeping seven', () => {
    expect(loadConfig({ DATA_DIR: '/srv/agentry' }).backups).toEqual({
      cron: '0 2 * * *',
      directory: join('/srv/agentry', 'backups'),
      retentionCount: 7,
    });
  });

  it('leave PostgreSQL to its own backups unless BACKUP_CRON is set', () => {
    expect(loadConfig(postgres).backups.cron).toBeNull();
    expect(loadConfig({ ...postgres, BACKUP_CRON: '30 3 * * 0' }).backups.cron).toBe('30 3 * * 0');
  });

  it('turn off with BACKUP_CRON=off, and take a directory and a retention', () => {
    const settings = loadConfig({ BACKUP_CRON: 'off', BACKUP_DIR: 'nightly', BACKUP_RETENTION_COUNT: '30' });
    expect(settings.backups).toEqual({ cron: null, directory: resolve('nightly'), retentionCount: 30 });
  });

  it('refuse what is no cron expression and a retention below one', () => {
    expect(() => loadConfig({ BACKUP_CRON: 'nightly' })).toThrow(ConfigError);
    expect(() => loadConfig({ BACKUP_CRON: 'nightly' })).toThrow(/BACKUP_CRON must be a cron expression/);
    expect(() => loadConfig({ BACKUP_RETENTION_COUNT: '0' })).toThrow(/BACKUP_RETENTION_COUNT/);
  });
});
