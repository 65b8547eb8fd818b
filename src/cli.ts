#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { ConfigError, loadConfig } from './config.ts';
import { openConfiguredDatabase, startServer } from './server.ts';

const SHUTDOWN_GRACE_MS = 10_000;

async function serve(options: { port?: string; host?: string }) {
  const config = loadConfig({
    ...process.env,
    ...(options.port ? { PORT: options.port } : {}),
    ...(options.host ? { HOST: options.host } : {}),
  });
  const server = await startServer(config);
  const where = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  console.log(`Agentry ${packageJson.version} is listening on ${server.url} (database: ${where})`);
  console.log(
    `API docs: ${server.url}/docs — create the first account with POST ${server.url}/api/v1/auth/register`,
  );

  const shutdown = (signal: string) => {
    console.log(`${signal} received: finishing in-flight requests, then stopping`);
    const force = setTimeout(() => {
      console.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.stop().then(
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

async function migrate() {
  const config = loadConfig();
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
  .description('Serve the API (settings from the environment, see .env.example)')
  .option('-p, --port <port>', 'port to listen on (overrides PORT)')
  .option('-H, --host <host>', 'interface to listen on (overrides HOST)')
  .action(serve);
program.command('migrate').description('Apply database migrations and exit').action(migrate);

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
