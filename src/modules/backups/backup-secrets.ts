import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.ts';

/** The embedded default's generated secrets, kept in DATA_DIR (src/platform/crypto/local-secret.ts). */
export type LocalSecretName = 'secret-key' | 'jwt-secret';

/**
 * The local secrets a backup of this deployment carries: those it generated because no explicit
 * one is set. Without secret-key a restore could not decrypt a single provider key or channel
 * credential; an explicit AGENTRY_SECRET_KEY (always so on PostgreSQL) is the operator's to keep.
 */
export function localSecretsOf(config: Pick<Config, 'databaseUrl' | 'secretKey' | 'jwtSecret' | 'dataDir'>) {
  if (config.databaseUrl) return [];
  const generated: LocalSecretName[] = [];
  if (!config.secretKey) generated.push('secret-key');
  if (!config.jwtSecret) generated.push('jwt-secret');
  return generated.filter((name) => existsSync(join(config.dataDir, name)));
}

/**
 * Names the key that encrypts credentials without revealing it: a restore compares it with the
 * key it will run with, and refuses a mismatch that would leave every stored credential unreadable.
 */
export function secretKeyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('agentry backup key check').digest('hex').slice(0, 32);
}
