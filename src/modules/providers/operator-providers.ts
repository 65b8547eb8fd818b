import { createHmac } from 'node:crypto';
import type { OperatorProviderSetting } from '../../config.ts';
import type { Database } from '../../platform/db/database.ts';
import { ForbiddenError } from '../../platform/http/errors.ts';
import type { JobQueue } from '../../platform/queue/job-queue.ts';
import { findOperatorProviders, upsertOperatorProvider } from './operator-provider-repository.ts';
import { PROVIDER_VALIDATION_QUEUE, type ValidationJobData } from './provider-jobs.ts';
import { normalizeBaseUrl } from './provider-urls.ts';

type OperatorType = OperatorProviderSetting['type'];

/** Fixed ids, so that agents can name an operator provider and keep naming it across restarts. */
export const operatorProviderIds: Record<OperatorType, string> = {
  openai: '00000000-0000-7000-8000-000000000001',
  anthropic: '00000000-0000-7000-8000-000000000002',
  ollama: '00000000-0000-7000-8000-000000000003',
};

const operatorProviderNames: Record<OperatorType, string> = {
  openai: 'OpenAI (operator)',
  anthropic: 'Anthropic (operator)',
  ollama: 'Ollama (operator)',
};

/** An operator provider as this process's settings describe it, key included. */
export interface OperatorProvider {
  id: string;
  type: OperatorType;
  name: string;
  baseUrl: string | null;
  apiKey: string | null;
}

export const isOperatorProviderId = (providerId: string) =>
  Object.values(operatorProviderIds).includes(providerId);

/**
 * The operator's providers: configured by settings, validated like any provider, read-only for
 * organizations, and visible to them only when shared.
 */
export function createOperatorProviders({
  db,
  settings,
  shared,
  secretKey,
}: {
  db: Database;
  settings: OperatorProviderSetting[];
  shared: boolean;
  secretKey: Buffer;
}) {
  const providers: OperatorProvider[] = settings.map((setting) => ({
    id: operatorProviderIds[setting.type],
    type: setting.type,
    name: operatorProviderNames[setting.type],
    baseUrl: normalizeBaseUrl(setting.type, setting.baseUrl),
    apiKey: setting.apiKey,
  }));

  // Keyed with the secret key: the stored value says whether the settings changed, nothing more.
  const fingerprintOf = (provider: OperatorProvider) =>
    createHmac('sha256', secretKey)
      .update(JSON.stringify([provider.type, provider.baseUrl, provider.apiKey]))
      .digest('base64url');

  return {
    /** Configured in this process, whether shared or not (the validation job needs their keys). */
    configured: (providerId: string) => providers.find((provider) => provider.id === providerId),

    /**
     * The operator provider an organization may use, or undefined when the id is not one. Throws
     * 403 when it is one but the operator does not share them.
     */
    forOrganization(providerId: string): OperatorProvider | undefined {
      const provider = providers.find((candidate) => candidate.id === providerId);
      if (provider && !shared) {
        throw new ForbiddenError('Operator providers are not shared with organizations on this server');
      }
      return provider;
    },

    /** What organizations see: every configured operator provider when shared, with its state. */
    async visible() {
      if (!shared) return [];
      const rows = await findOperatorProviders(
        db,
        providers.map((provider) => provider.id),
      );
      return providers.map((provider) => ({ provider, row: rows.find((row) => row.id === provider.id) }));
    },

    /**
     * Writes each configured provider's row and enqueues a validation when it is new or its
     * settings changed. Every process runs it at start; only one of them enqueues per change.
     */
    async synchronize(queue: JobQueue) {
      for (const provider of providers) {
        await db.transaction(async (tx) => {
          const row = await upsertOperatorProvider(
            tx,
            { id: provider.id, type: provider.type, name: provider.name, baseUrl: provider.baseUrl },
            fingerprintOf(provider),
          );
          if (!row) return;
          const data: ValidationJobData = {
            providerId: row.id,
            organizationId: null,
            sequence: row.validationSequence,
          };
          await queue.send(PROVIDER_VALIDATION_QUEUE, data, { tx });
        });
      }
    },
  };
}

export type OperatorProviders = ReturnType<typeof createOperatorProviders>;
