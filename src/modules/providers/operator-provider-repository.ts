import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { operatorProviders, type ProviderModel } from './provider-tables.ts';

/**
 * Queries of the operator's providers, unscoped on purpose: they are the exception to "every
 * query takes the tenant scope", since these rows belong to the operator and are shared by every
 * organization that may use them (OPERATOR_PROVIDERS_SHARED); the service decides who may see them.
 */

export type OperatorProviderRow = typeof operatorProviders.$inferSelect;

export async function findOperatorProviders(db: Executor, providerIds: string[]) {
  if (providerIds.length === 0) return [];
  return db.select().from(operatorProviders).where(inArray(operatorProviders.id, providerIds));
}

/**
 * Writes the operator provider as the settings describe it. Returns the row when it is new or its
 * settings changed, with a new validation sequence to enqueue; undefined when nothing changed.
 * One statement, so processes starting together agree on who enqueues.
 */
export async function upsertOperatorProvider(
  tx: Executor,
  provider: { id: string; type: OperatorProviderRow['type']; name: string; baseUrl: string | null },
  settingsFingerprint: string,
) {
  const [row] = await tx
    .insert(operatorProviders)
    .values({ ...provider, settingsFingerprint, validationSequence: 1 })
    .onConflictDoUpdate({
      target: operatorProviders.id,
      set: {
        name: provider.name,
        type: provider.type,
        baseUrl: provider.baseUrl,
        settingsFingerprint,
        validationStatus: 'pending',
        validationError: null,
        models: [],
        validationSequence: sql`${operatorProviders.validationSequence} + 1`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${operatorProviders.settingsFingerprint} is distinct from ${settingsFingerprint}`,
    })
    .returning();
  return row;
}

/** Marks a new validation request: status pending and a new sequence number, which the job carries. */
export async function requestOperatorValidation(tx: Executor, providerId: string) {
  const [row] = await tx
    .update(operatorProviders)
    .set({
      validationStatus: 'pending',
      validationError: null,
      validationSequence: sql`${operatorProviders.validationSequence} + 1`,
    })
    .where(eq(operatorProviders.id, providerId))
    .returning();
  return row;
}

/** The operator counterpart of `claimValidation`. */
export async function claimOperatorValidation(db: Executor, providerId: string, sequence: number) {
  const [row] = await db
    .update(operatorProviders)
    .set({ validationStatus: 'validating' })
    .where(
      and(
        eq(operatorProviders.id, providerId),
        eq(operatorProviders.validationSequence, sequence),
        inArray(operatorProviders.validationStatus, ['pending', 'validating']),
      ),
    )
    .returning();
  return row;
}

/** The operator counterpart of `recordValidation`. */
export async function recordOperatorValidation(
  db: Executor,
  providerId: string,
  sequence: number,
  outcome: { status: 'connected' | 'error'; error: string | null; models: ProviderModel[] },
): Promise<boolean> {
  const rows = await db
    .update(operatorProviders)
    .set({
      validationStatus: outcome.status,
      validationError: outcome.error,
      models: outcome.models,
      validatedAt: sql`now()`,
    })
    .where(
      and(
        eq(operatorProviders.id, providerId),
        eq(operatorProviders.validationSequence, sequence),
        eq(operatorProviders.validationStatus, 'validating'),
      ),
    )
    .returning({ id: operatorProviders.id });
  return rows.length > 0;
}
