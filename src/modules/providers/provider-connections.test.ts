import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrganization } from '../../../test/support/organizations.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import type { OperatorProviderSetting } from '../../config.ts';
import { loadConfig } from '../../config.ts';
import { createSecretBox } from '../../platform/crypto/secret-box.ts';
import { uuidv7 } from '../../platform/db/ids.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import type { Principal } from '../tenancy/index.ts';
import { createOperatorProviders, operatorProviderIds } from './operator-providers.ts';
import { builtinOfflineConnection, createProviderConnections } from './provider-connections.ts';
import { createProviderService } from './provider-service.ts';

let database: TestDatabase;
const secretKey = randomBytes(32);
const sent: unknown[] = [];
const queue = {
  send: async (_name: string, data: object) => {
    sent.push(data);
    return 'job';
  },
} as unknown as JobQueue;
const allowAll = { assertAllowed: async () => undefined };
const operatorSetting: OperatorProviderSetting = {
  type: 'anthropic',
  baseUrl: 'https://anthropic.example/v1',
  apiKey: 'sk-operator-key-123456',
};

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.dispose());

async function organization(): Promise<Principal> {
  return newOrganization(database.db);
}

function assemble(settings: OperatorProviderSetting[], shared: boolean) {
  const secretBox = createSecretBox(secretKey);
  const operators = createOperatorProviders({ db: database.db, settings, shared, secretKey });
  const connections = createProviderConnections({ db: database.db, secretBox, operators });
  const service = createProviderService({
    db: database.db,
    queue,
    secretBox,
    outboundGuard: allowAll,
    operators,
    events: { publish: async () => {} },
    onChanged: connections.forget,
    defaults: loadConfig({}).llmResilience,
  });
  return { service, connections };
}

describe('resolveConnection', () => {
  it('resolves a named provider with its decrypted key and its own retry and breaker settings', async () => {
    const { service, connections } = assemble([], true);
    const principal = await organization();
    const created = await service.create(principal, {
      name: 'Gateway',
      type: 'openai_compatible',
      base_url: 'https://gateway.example/v1',
      api_key: 'sk-gateway-key-0001',
      circuit_breaker_config: { failure_threshold: 2 },
    });
    expect(sent.at(-1)).toEqual({
      providerId: created.id,
      organizationId: principal.organizationId,
      sequence: 1,
    });
    expect(await connections.resolveConnection(principal, created.id)).toEqual({
      id: created.id,
      name: 'Gateway',
      type: 'openai_compatible',
      baseUrl: 'https://gateway.example/v1',
      apiKey: 'sk-gateway-key-0001',
      resilience: { retryConfig: null, circuitBreakerConfig: { failure_threshold: 2 } },
    });
  });

  it('refuses an inactive provider with 400 provider_inactive, and describes it', async () => {
    const { service, connections } = assemble([], true);
    const principal = await organization();
    const created = await service.create(principal, { name: 'Off', type: 'offline', is_active: false });
    await expect(connections.resolveConnection(principal, created.id)).rejects.toMatchObject({
      status: 400,
      code: 'provider_inactive',
    });
    expect(await connections.describeProvider(principal, created.id)).toEqual({
      id: created.id,
      name: 'Off',
      type: 'offline',
      scope: 'organization',
      validation_status: 'connected',
      validation_error: null,
      is_active: false,
    });
  });

  it('answers 403 for another organization’s provider and 404 for an unknown or deleted one', async () => {
    const { service, connections } = assemble([], true);
    const owner = await organization();
    const stranger = await organization();
    const created = await service.create(owner, { name: 'Mine', type: 'offline' });
    await expect(connections.resolveConnection(stranger, created.id)).rejects.toMatchObject({ status: 403 });
    await expect(connections.resolveConnection(owner, uuidv7())).rejects.toMatchObject({ status: 404 });
    await service.remove(owner, created.id);
    await expect(connections.resolveConnection(owner, created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('falls back to the organization’s default, then the operator’s provider, then the offline model', async () => {
    const principal = await organization();
    const shared = assemble([operatorSetting], true);
    expect(await shared.connections.resolveConnection(principal, null)).toEqual({
      id: operatorProviderIds.anthropic,
      name: 'Anthropic (operator)',
      type: 'anthropic',
      baseUrl: 'https://anthropic.example/v1',
      apiKey: 'sk-operator-key-123456',
    });
    expect(await shared.connections.describeProvider(principal, null)).toMatchObject({
      scope: 'operator',
      validation_status: 'pending',
      is_active: true,
    });
    const unshared = assemble([operatorSetting], false);
    expect(await unshared.connections.resolveConnection(principal, null)).toEqual(builtinOfflineConnection);
    expect(await unshared.connections.describeProvider(principal, null)).toMatchObject({
      id: 'offline',
      scope: 'builtin',
      validation_status: 'connected',
    });
    await expect(
      unshared.connections.resolveConnection(principal, operatorProviderIds.anthropic),
    ).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/not shared/) });

    const own = await shared.service.create(principal, {
      name: 'Own',
      type: 'openai',
      api_key: 'sk-own-key-000000',
    });
    expect(own.is_default).toBe(true);
    expect(await shared.connections.resolveConnection(principal, null)).toMatchObject({
      id: own.id,
      apiKey: 'sk-own-key-000000',
    });
    await shared.service.update(principal, own.id, { is_active: false });
    await expect(shared.connections.resolveConnection(principal, null)).rejects.toMatchObject({
      code: 'provider_inactive',
    });
  });
});
