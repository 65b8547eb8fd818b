import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { type Config, ConfigError } from './config.ts';
import { readOrCreateLocalSecret } from './platform/crypto/local-secret.ts';
import { type OpenedDatabase, openDatabase } from './platform/db/open-database.ts';

/** PostgreSQL when DATABASE_URL is set; otherwise the embedded, file-backed PGlite under DATA_DIR. */
export function openConfiguredDatabase(
  config: Config,
  onPoolError?: (error: Error) => void,
): Promise<OpenedDatabase> {
  return config.databaseUrl
    ? openDatabase({
        kind: 'postgres',
        url: config.databaseUrl,
        poolMax: config.databasePoolMax,
        onPoolError,
      })
    : openDatabase({ kind: 'pglite', directory: join(config.dataDir, 'db') });
}

function jwtSecretFor(config: Config): string {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.databaseUrl) {
    throw new ConfigError(
      'JWT_SECRET (or JWT_SECRET_FILE) is required with DATABASE_URL: every process must share it',
    );
  }
  return readOrCreateLocalSecret(config.dataDir, 'jwt-secret');
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  stop(): Promise<void>;
}

/** Opens and migrates the database, then serves the API until stop() is called. */
export async function startServer(config: Config): Promise<RunningServer> {
  const jwtSecret = jwtSecretFor(config);
  const database = await openConfiguredDatabase(config, (error) =>
    console.error('database pool error', error.message),
  );
  try {
    await database.migrate();
    const app = await buildApp({ config, database, jwtSecret });
    const address = await app.listen({ host: config.host, port: config.port });
    let stopping: Promise<void> | undefined;
    return {
      app,
      url: address,
      stop: () => {
        stopping ??= app.close().finally(() => database.close());
        return stopping;
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
