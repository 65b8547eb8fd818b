#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Argument, Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { type Config, ConfigError, loadConfig } from './config.ts';
import { type OrganizationTier, organizationTiers } from './modules/limits/limit-settings.ts';
import { DataDirectoryInUseError } from './platform/db/data-dir-lock.ts';
import type { ProcessRole, RunningAgentry } from './server.ts';

/**
 * After the grace period, cancelled turns are recorded and the database closed within this: a
 * shutdown still unfinished then is stuck, and the process exits anyway (with 1).
 */
const SHUTDOWN_MARGIN_SECONDS = 5;

function stopOnSignals(running: RunningAgentry, config: Config) {
  const shutdown = (signal: string) => {
    console.log(
      `${signal} received: finishing in-flight requests and running jobs (up to ${config.shutdownGraceSeconds} s), then stopping`,
    );
    const force = setTimeout(
      () => {
        console.error('graceful shutdown did not complete; exiting');
        process.exit(1);
      },
      (config.shutdownGraceSeconds + SHUTDOWN_MARGIN_SECONDS) * 1000,
    );
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * The server is loaded only once the environment is settled: provider SDKs read their own
 * variables (e.g. ANTHROPIC_BASE_URL) when imported and reject empty ones, which Agentry's own
 * configuration treats as unset.
 */
async function loadServer() {
  for (const [name, value] of Object.entries(process.env)) if (value === '') delete process.env[name];
  return import('./server.ts');
}

/** Why a process that leaves the jobs (or the API) to another cannot run on the embedded database. */
const embeddedRoleRefusals: Partial<Record<ProcessRole, string>> = {
  api:
    '`agentry serve --no-worker` needs PostgreSQL (DATABASE_URL): the embedded database in DATA_DIR can be ' +
    'opened by one process at a time, so no `agentry worker` could run the background jobs (provider ' +
    'validation, maintenance) and they would wait forever. Run `agentry serve` without --no-worker.',
  worker:
    '`agentry worker` needs PostgreSQL (DATABASE_URL): the embedded database in DATA_DIR can be opened by ' +
    'one process at a time, and `agentry serve` already runs the background jobs in its own process.',
};

function refuseEmbeddedSplit(config: Config, role: ProcessRole) {
  const refusal = config.databaseUrl ? undefined : embeddedRoleRefusals[role];
  if (refusal) throw new ConfigError(refusal);
}

const describeDatabase = (config: Config) =>
  config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;

async function serve(options: { port?: string; host?: string; worker: boolean }) {
  const config = loadConfig({
    ...process.env,
    ...(options.port ? { PORT: options.port } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  });
  const role: ProcessRole = options.worker ? 'all' : 'api';
  refuseEmbeddedSplit(config, role);
  const { startServer } = await loadServer();
  const running = await startServer(config, role);
  const workers = role === 'all' ? 'with in-process workers' : 'without workers';
  console.log(
    `Agentry ${packageJson.version} is listening on ${running.url} (database: ${describeDatabase(config)}, ${workers})`,
  );
  console.log(
    `API docs: ${running.url}/docs — create the first account with POST ${running.url}/api/v1/auth/register`,
  );
  stopOnSignals(running, config);
}

async function work() {
  const config = loadConfig();
  refuseEmbeddedSplit(config, 'worker');
  const { startServer } = await loadServer();
  const running = await startServer(config, 'worker');
  console.log(`Agentry ${packageJson.version} worker is running (database: ${describeDatabase(config)})`);
  stopOnSignals(running, config);
}

async function migrate() {
  const config = loadConfig();
  const { openConfiguredDatabase } = await loadServer();
  const database = await openConfiguredDatabase(config).catch((error: unknown) => {
    // A server migrates the embedded database when it starts: beside one, there is nothing to do.
    if (error instanceof DataDirectoryInUseError) {
      error.message = `agentry migrate refuses to run beside a live server. ${error.message}`;
    }
    throw error;
  });
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.kind}).`);
  } finally {
    await database.close();
  }
}

/** Changes an organization's tier; running servers apply it from their next request (docs/limits.md). */
async function setTier(organization: string, tier: OrganizationTier) {
  const config = loadConfig();
  const { openConfiguredDatabase } = await loadServer();
  const { changeOrganizationTier } = await import('./modules/limits/index.ts');
  const database = await openConfiguredDatabase(config);
  try {
    const changed = await changeOrganizationTier(database, organization, tier);
    if (!changed) {
      console.error(`No organization has the id or slug ${organization}.`);
      process.exitCode = 1;
      return;
    }
    console.log(`${changed.name} (${changed.slug}, ${changed.id}) is now on the ${changed.tier} tier.`);
  } finally {
    await database.close();
  }
}

// Settings may also come from a .env file in the working directory; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

const program = new Command('agentry').version(packageJson.version).description(packageJson.description);
program
  .command('serve')
  .description('Serve the API, with queue workers in the same process unless --no-worker')
  .option('-p, --port <port>', 'port to listen on (overrides PORT)')
  .option('-H, --host <host>', 'interface to listen on (overrides HOST)')
  .option('--no-worker', 'serve the API only; run `agentry worker` processes for the background jobs')
  .action(serve);
program.command('worker').description('Run queue workers only (no HTTP)').action(work);
program.command('migrate').description('Apply database migrations and exit').action(migrate);
program
  .command('organizations')
  .description('Operator work on organizations')
  .command('set-tier')
  .description('Set the tier (rate limits, caps) of an organization, by id or slug')
  .argument('<organization>', 'the organization’s id or slug')
  .addArgument(new Argument('<tier>').choices(organizationTiers))
  .action(setTier);

/** Refusals the operator can act on are printed as their message alone, without a stack. */
const isRefusal = (error: unknown): error is Error =>
  error instanceof ConfigError || error instanceof DataDirectoryInUseError;

program.parseAsync().catch((error: unknown) => {
  console.error(isRefusal(error) ? error.message : error);
  process.exit(1);
});
