/**
 * The benchmark's server process: the real application (buildApp, settings from the environment
 * exactly as `agentry serve` reads them) plus one no-op route, the ceiling the API is compared with.
 * Prints `{"url": ...}` as one JSON line on stdout once it listens; stops on SIGTERM.
 */
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openConfiguredDatabase } from '../src/server.ts';
import { NOOP_PATH } from './scenarios.ts';

async function main() {
  const config = loadConfig();
  if (!config.jwtSecret) throw new Error('bench/server.ts expects JWT_SECRET from the benchmark runner');
  const database = await openConfiguredDatabase(config, (error) =>
    console.error('database pool error', error.message),
  );
  await database.migrate();
  const app = await buildApp({ config, database, jwtSecret: config.jwtSecret });
  // Registered on the same instance: same hooks (request id, error handling), same logger and level.
  app.get(NOOP_PATH, async () => ({}));
  const url = await app.listen({ host: config.host, port: config.port });
  process.stdout.write(`${JSON.stringify({ url, database: database.kind, logLevel: config.logLevel })}\n`);

  process.once('SIGTERM', () => {
    app
      .close()
      .finally(() => database.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('bench server: shutdown failed', error);
          process.exit(1);
        },
      );
  });
}

main().catch((error: unknown) => {
  console.error('bench server failed to start:', error);
  process.exit(1);
});
