import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Config, loadConfig } from '../config.ts';
import { parseSecretKey } from '../platform/crypto/secret-box.ts';
import { DataDirectoryInUseError } from '../platform/db/data-dir-lock.ts';
import { PostgresToolMissingError } from '../platform/db/postgres-dump.ts';

type ServerModule = typeof import('../server.ts');

/** How a refusal reaches the operator: a JSON log line on standard error, like the other commands'. */
type ReportRefusal = (message: string) => void;

/** Errors the operator can act on: reported as their message alone, and the command exits with 1. */
async function reportRefusals(report: ReportRefusal, command: () => Promise<void>) {
  const { BackupRefusedError, ServerBackupError } = await import('../modules/backups/index.ts');
  try {
    await command();
  } catch (error) {
    const refusals = [
      BackupRefusedError,
      ServerBackupError,
      PostgresToolMissingError,
      DataDirectoryInUseError,
    ];
    if (!refusals.some((refusal) => error instanceof refusal)) throw error;
    report((error as Error).message);
    process.exitCode = 1;
  }
}

/** The embedded database: written by this process when no server holds it, else by the server, on request. */
async function backupEmbedded(config: Config, directory: string, loadServer: () => Promise<ServerModule>) {
  const { BackupRefusedError, backupWriter, requestServerBackup } = await import(
    '../modules/backups/index.ts'
  );
  if (!existsSync(join(config.dataDir, 'db', 'PG_VERSION'))) {
    throw new BackupRefusedError(`There is no embedded database in ${config.dataDir} to back up.`);
  }
  const { openConfiguredDatabase, secretKeyFor } = await loadServer();
  let database: Awaited<ReturnType<typeof openConfiguredDatabase>>;
  try {
    database = await openConfiguredDatabase(config);
  } catch (error) {
    if (!(error instanceof DataDirectoryInUseError)) throw error;
    return requestServerBackup(config.dataDir, directory);
  }
  try {
    return await backupWriter(config, database.connection, secretKeyFor(config))(directory);
  } finally {
    await database.close();
  }
}

async function backupPostgres(config: Config & { databaseUrl: string }, directory: string) {
  const { backupWriter } = await import('../modules/backups/index.ts');
  const connection = {
    kind: 'postgres' as const,
    url: config.databaseUrl,
    poolMax: 1,
    connectTimeoutMs: 5_000,
  };
  const secretKey = config.secretKey ? parseSecretKey(config.secretKey) : null;
  return backupWriter(config, connection, secretKey)(directory);
}

/** `agentry backup` and `agentry restore` (docs/backups.md). */
export function registerBackupCommands(
  program: Command,
  loadServer: () => Promise<ServerModule>,
  reportRefusal: ReportRefusal,
) {
  program
    .command('backup')
    .description(
      'Write a backup (database, files, local secrets) into a new folder; beside a live embedded server, the server writes it',
    )
    .option('-o, --output <directory>', 'where the backup folder is created (default: BACKUP_DIR)')
    .action((options: { output?: string }) =>
      reportRefusals(reportRefusal, async () => {
        const config = loadConfig();
        const directory = resolve(options.output ?? config.backups.directory);
        const { databaseUrl } = config;
        const summary = databaseUrl
          ? await backupPostgres({ ...config, databaseUrl }, directory)
          : await backupEmbedded(config, directory, loadServer);
        console.log(JSON.stringify(summary));
      }),
    );
  program
    .command('restore')
    .description(
      'Restore a backup into DATA_DIR (embedded) or DATABASE_URL, refusing a target that is not empty',
    )
    .argument('<backup>', 'the backup folder (agentry-backup-...)')
    .option('--force', 'replace the database and files of a target that is not empty', false)
    .action((backup: string, options: { force: boolean }) =>
      reportRefusals(reportRefusal, async () => {
        const { restoreBackup } = await import('../modules/backups/index.ts');
        const summary = await restoreBackup(backup, loadConfig(), { force: options.force });
        console.log(JSON.stringify(summary));
      }),
    );
}
