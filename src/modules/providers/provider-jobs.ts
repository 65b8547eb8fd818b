import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';
import type { JobDefinition } from '../../platform/queue/job-registry.ts';
import { claimOperatorValidation, recordOperatorValidation } from './operator-provider-repository.ts';
import type { OperatorProviders } from './operator-providers.ts';
import { openApiKey } from './provider-keys.ts';
import { claimValidation, recordValidation } from './provider-repository.ts';
import type { ProviderModel } from './provider-tables.ts';
import { type ProbeFetch, type ProbeResult, type ProbeTarget, probeProvider } from './provider-validation.ts';

export const PROVIDER_VALIDATION_QUEUE = 'provider-validation';
const RETRY_LIMIT = 2;

/** One validation request. `organizationId` is null for an operator provider. */
export interface ValidationJobData {
  providerId: string;
  organizationId: string | null;
  /** The provider's validation sequence when the request was made: later requests supersede it. */
  sequence: number;
}

type Outcome = { status: 'connected' | 'error'; error: string | null; models: ProviderModel[] };

/** Where a validation reads its target from and writes its outcome to: the row it holds. */
interface ValidationSlot {
  /** Undefined when the attempt is stale or finished: then nothing is done. */
  target: ProbeTarget | Outcome | undefined;
  record(outcome: Outcome): Promise<void>;
}

/** The live event of a status change (docs/events.md), for the organization's clients. */
export const PROVIDER_VALIDATION_EVENT = 'provider-validation-updated';

const asOutcome = (result: ProbeResult): Outcome =>
  result.status === 'connected'
    ? { status: 'connected', error: null, models: result.models }
    : { status: 'error', error: result.error, models: result.models };

/**
 * Validates providers in the background (DESIGN 7b): at least once delivery, so the handler only
 * acts while the row still holds the job's sequence, and a provider's failure is stored as its
 * result rather than retried. Only unexpected failures (the database) make the job retry; the
 * last attempt records an error so that the provider does not stay `validating` forever.
 */
export function providerValidationJob({
  db,
  secretBox,
  operators,
  fetch,
  timeoutMs,
  events,
}: {
  db: Database;
  secretBox: SecretBox;
  operators: OperatorProviders;
  /** The outbound guard's fetch: every probe is re-checked when it is made. */
  fetch: ProbeFetch;
  timeoutMs: number;
  /** Where status changes of organizations' providers are announced; none in some tests. */
  events?: Pick<EventPublisher, 'publish'>;
}): JobDefinition<ValidationJobData> {
  // Operator providers belong to no organization, so their changes are not announced.
  const announce = (organizationId: string, providerId: string, status: string, error: string | null) =>
    events?.publish({
      type: PROVIDER_VALIDATION_EVENT,
      organization_id: organizationId,
      data: { provider_id: providerId, validation_status: status, validation_error: error },
    });

  async function organizationSlot({
    providerId,
    organizationId,
    sequence,
  }: ValidationJobData): Promise<ValidationSlot> {
    // The job acts for the organization that requested it, and only on that organization's row.
    const scope = { organizationId: organizationId as string };
    const row = await claimValidation(db, scope, providerId, sequence);
    const record = async (outcome: Outcome) => {
      if (await recordValidation(db, scope, providerId, sequence, outcome)) {
        await announce(scope.organizationId, providerId, outcome.status, outcome.error);
      }
    };
    if (!row) return { target: undefined, record };
    await announce(scope.organizationId, providerId, 'validating', null);
    let apiKey: string | null;
    try {
      apiKey = openApiKey(secretBox, row.id, row.apiKeyCiphertext);
    } catch {
      const error =
        'The stored API key cannot be decrypted (was AGENTRY_SECRET_KEY changed?); set the key again';
      return { target: { status: 'error', error, models: [] }, record };
    }
    return { target: { type: row.type, baseUrl: row.baseUrl, apiKey }, record };
  }

  async function operatorSlot({ providerId, sequence }: ValidationJobData): Promise<ValidationSlot> {
    const row = await claimOperatorValidation(db, providerId, sequence);
    const record = async (outcome: Outcome) => {
      await recordOperatorValidation(db, providerId, sequence, outcome);
    };
    if (!row) return { target: undefined, record };
    const provider = operators.configured(providerId);
    if (!provider) {
      const error = 'This provider is not configured in the settings of the worker that validated it';
      return { target: { status: 'error', error, models: [] }, record };
    }
    return { target: { type: provider.type, baseUrl: provider.baseUrl, apiKey: provider.apiKey }, record };
  }

  return {
    queue: {
      name: PROVIDER_VALIDATION_QUEUE,
      options: {
        retryLimit: RETRY_LIMIT,
        retryDelay: 2,
        retryBackoff: true,
        expireInSeconds: Math.ceil(timeoutMs / 1000) + 60,
      },
      deadLetter: true,
    },
    concurrency: 4,
    handle: async (job) => {
      const slot: ValidationSlot =
        job.data.organizationId === null ? await operatorSlot(job.data) : await organizationSlot(job.data);
      const target = slot.target;
      if (!target) return;
      try {
        const outcome =
          'status' in target
            ? target
            : asOutcome(await probeProvider(target, { fetch, timeoutMs, signal: job.signal }));
        await slot.record(outcome);
      } catch (error) {
        if (job.attempt >= RETRY_LIMIT) {
          await slot.record({
            status: 'error',
            error: 'The validation failed unexpectedly; validate the provider again',
            models: [],
          });
        }
        throw error;
      }
    },
  };
}
