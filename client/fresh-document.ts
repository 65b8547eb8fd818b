import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

/**
 * The OpenAPI document of a real Agentry on its defaults, started on a throwaway embedded data
 * directory: what `npm run client:generate` writes from and what the sync test compares with.
 */
export async function openApiDocumentOfFreshAgentry(): Promise<object> {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'agentry-client-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDirectory, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' });
    const server = await startServer(config, 'api');
    try {
      return (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dataDirectory, { recursive: true, force: true });
  }
}

export const schemaFile = new URL('./schema.d.ts', import.meta.url);
