/**
 * The benchmark's server process: Agentry assembled exactly as `agentry serve` does it (settings
 * from the environment), plus one no-op route, the ceiling the API is compared with. Prints
 * `{"url": ...}` as one JSON line on stdout once it listens; stops on SIGTERM.
 */
import { loadConfig } from '../src/config.ts';
import { openConfiguredDatabase, secretKeyFor, startAgentry } from '../src/server.ts';
import { NOOP_PATH } from './scenarios.ts';

async function main() {
  const config = loadConfig();
  if (!config.jwtSecret) throw new Error('bench/server.ts expects JWT_SECRET from the benchmark runner');
  const database = await openConfiguredDatabase(config, (error) =>
    console.error('database pool error', error.message),
  );
  await database.migrate();
  const running = await startAgentry({
    config,
    database,
    jwtSecret: config.jwtSecret,
    secretKey: secretKeyFor(config),
    role: 'all',
    // Registered on the same instance: same hooks (request id, error handling), same logger and level.
    extend: (app) => app.get(NOOP_PATH, async () => ({})),
  });
  process.stdout.write(
    `${JSON.stringify({ url: running.url, database: database.kind, logLevel: config.logLevel })}\n`,
  );

  process.once('SIGTERM', () => {
    running
      .stop()
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
