#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { type Config, ConfigError, loadConfig } from './config.ts';
import type { ProcessRole, RunningAgentry } from './server.ts';

/** In-flight requests and running jobs get this long after SIGTERM before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 20_000;

function stopOnSignals(running: RunningAgentry) {
  const shutdown = (signal: string) => {
    console.log(`${signal} received: finishing in-flight requests and running jobs, then stopping`);
    const force = setTimeout(() => {
      console.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
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

const describeDatabase = (config: Config) =>
  config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;

async function serve(options: { port?: string; host?: string; worker: boolean }) {
  const config = loadConfig({
    ...process.env,
    ...(options.port ? { PORT: options.port } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  });
  const role: ProcessRole = options.worker ? 'all' : 'api';
  const { startServer } = await loadServer();
  const running = await startServer(config, role);
  const workers = role === 'all' ? 'with in-process workers' : 'without workers';
  console.log(
    `Agentry ${packageJson.version} is listening on ${running.url} (database: ${describeDatabase(config)}, ${workers})`,
  );
  console.log(
    `API docs: ${running.url}/docs — create the first account with POST ${running.url}/api/v1/auth/register`,
  );
  stopOnSignals(running);
}

async function work() {
  const config = loadConfig();
  const { startServer } = await loadServer();
  const running = await startServer(config, 'worker');
  console.log(`Agentry ${packageJson.version} worker is running (database: ${describeDatabase(config)})`);
  stopOnSignals(running);
}

async function migrate() {
  const config = loadConfig();
  const { openConfiguredDatabase } = await loadServer();
  const database = await openConfiguredDatabase(config);
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.kind}).`);
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

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
