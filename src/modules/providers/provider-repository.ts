import { and, asc, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../platform/db/database.ts';
import { listPage, type Page } from '../../platform/db/pagination.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import { lockUntilCommit } from '../../platform/db/transaction-lock.ts';
import { llmProviders, type ProviderModel } from './provider-tables.ts';

export type ProviderRow = typeof llmProviders.$inferSelect;
export type ProviderInsert = typeof llmProviders.$inferInsert;
export type ProviderChange = Partial<
  Pick<
    ProviderRow,
    | 'name'
    | 'type'
    | 'baseUrl'
    | 'apiKeyCiphertext'
    | 'apiKeyLast4'
    | 'isActive'
    | 'isDefault'
    | 'validationStatus'
    | 'validationError'
    | 'validatedAt'
    | 'models'
    | 'retryConfig'
    | 'circuitBreakerConfig'
  >
>;

const live = (scope: TenantScope) =>
  and(inScope(llmProviders.organizationId, scope), isNull(llmProviders.deletedAt));

export async function insertProvider(tx: Executor, row: ProviderInsert) {
  const [inserted] = await tx.insert(llmProviders).values(row).returning();
  return inserted as ProviderRow;
}

export async function findProvider(db: Executor, scope: TenantScope, providerId: string) {
  const [row] = await db
    .select()
    .from(llmProviders)
    .where(and(live(scope), eq(llmProviders.id, providerId)));
  return row;
}

/**
 * `findProvider` prepared once per database (every turn resolves its provider): no query building
 * per call, a named statement on PostgreSQL.
 */
export function prepareProviderLookup(db: Database) {
  const statement = db
    .select()
    .from(llmProviders)
    .where(
      and(
        eq(llmProviders.organizationId, sql.placeholder('organizationId')),
        eq(llmProviders.id, sql.placeholder('providerId')),
        isNull(llmProviders.deletedAt),
      ),
    )
    .prepare('llm_provider_by_id');
  return async (scope: TenantScope, providerId: string): Promise<ProviderRow | undefined> =>
    (await statement.execute({ organizationId: scope.organizationId, providerId }))[0];
}

/** A live provider of the scope, locked until the transaction ends: the write path. */
export async function lockProvider(tx: Executor, scope: TenantScope, providerId: string) {
  const [row] = await tx
    .select()
    .from(llmProviders)
    .where(and(live(scope), eq(llmProviders.id, providerId)))
    .for('update');
  return row;
}

/**
 * Unscoped: the organization of a live provider, to tell "another organization's" (403) from
 * "missing" (404) once a scoped lookup missed (`requireInScope`).
 */
export async function findProviderOrganization(db: Executor, providerId: string) {
  const [row] = await db
    .select({ organizationId: llmProviders.organizationId })
    .from(llmProviders)
    .where(and(eq(llmProviders.id, providerId), isNull(llmProviders.deletedAt)));
  return row?.organizationId;
}

export async function findDefaultProvider(db: Executor, scope: TenantScope) {
  const [row] = await db
    .select()
    .from(llmProviders)
    .where(and(live(scope), eq(llmProviders.isDefault, true)));
  return row;
}

/** Newest first. */
export async function listProviders(db: Executor, scope: TenantScope, page: Page) {
  const order = [desc(llmProviders.createdAt), desc(llmProviders.id)];
  return listPage(db, llmProviders, live(scope), order, page);
}

/**
 * The live provider of the scope a reference names: by name (case-insensitive) before by type; of
 * several of one type, the default, then active ones, then the oldest.
 */
export async function findProviderByNameOrType(db: Executor, scope: TenantScope, reference: string) {
  const sameName = sql`lower(${llmProviders.name}) = lower(${reference})`;
  const [row] = await db
    .select({ id: llmProviders.id, name: llmProviders.name, type: llmProviders.type })
    .from(llmProviders)
    .where(and(live(scope), or(sameName, eq(llmProviders.type, reference as ProviderRow['type']))))
    .orderBy(
      desc(sameName),
      desc(llmProviders.isDefault),
      desc(llmProviders.isActive),
      asc(llmProviders.createdAt),
    )
    .limit(1);
  return row;
}

/** The scope's live providers that call out (every type but offline), for the services' health listing. */
export async function listProviderServices(db: Executor, scope: TenantScope) {
  return db
    .select({
      id: llmProviders.id,
      name: llmProviders.name,
      type: llmProviders.type,
      baseUrl: llmProviders.baseUrl,
      isActive: llmProviders.isActive,
      validationStatus: llmProviders.validationStatus,
      validationError: llmProviders.validationError,
      validatedAt: llmProviders.validatedAt,
    })
    .from(llmProviders)
    .where(and(live(scope), ne(llmProviders.type, 'offline')));
}

/** The scope's active providers of one type, newest first (e.g. its Ollama servers). */
export async function listActiveProvidersOfType(db: Executor, scope: TenantScope, type: ProviderRow['type']) {
  return db
    .select()
    .from(llmProviders)
    .where(and(live(scope), eq(llmProviders.type, type), eq(llmProviders.isActive, true)))
    .orderBy(desc(llmProviders.createdAt), desc(llmProviders.id));
}

/**
 * Serializes changes of the scope's default provider until the transaction ends, so two
 * concurrent "make this the default" requests cannot both clear the old default and collide.
 */
export async function lockDefaultChoice(tx: Executor, scope: TenantScope) {
  await lockUntilCommit(tx, `llm_providers_default:${scope.organizationId}`);
}

/** Clears the scope's default provider, except `keepProviderId`. */
export async function clearDefault(tx: Executor, scope: TenantScope, keepProviderId: string) {
  await tx
    .update(llmProviders)
    .set({ isDefault: false })
    .where(and(live(scope), eq(llmProviders.isDefault, true), ne(llmProviders.id, keepProviderId)));
}

/** `newValidation` also starts a new validation sequence: jobs of the old one become stale. */
export async function updateProvider(
  tx: Executor,
  scope: TenantScope,
  providerId: string,
  change: ProviderChange,
  options: { newValidation: boolean },
) {
  const sequence = options.newValidation
    ? { validationSequence: sql`${llmProviders.validationSequence} + 1` }
    : {};
  const [row] = await tx
    .update(llmProviders)
    .set({ ...change, ...sequence, updatedAt: sql`now()` })
    .where(and(live(scope), eq(llmProviders.id, providerId)))
    .returning();
  return row;
}

/** Marks a new validation request: status pending and a new sequence number, which the job carries. */
export async function requestValidation(tx: Executor, scope: TenantScope, providerId: string) {
  const [row] = await tx
    .update(llmProviders)
    .set({
      validationStatus: 'pending',
      validationError: null,
      validationSequence: sql`${llmProviders.validationSequence} + 1`,
    })
    .where(and(live(scope), eq(llmProviders.id, providerId)))
    .returning();
  return row;
}

/**
 * Soft delete; the sealed key is dropped too, since nothing may use it any more. Returns the
 * deleted provider's id, or undefined when no live provider of the scope has it.
 */
export async function softDeleteProvider(tx: Executor, scope: TenantScope, providerId: string) {
  const [row] = await tx
    .update(llmProviders)
    .set({ deletedAt: sql`now()`, updatedAt: sql`now()`, isDefault: false, apiKeyCiphertext: null })
    .where(and(live(scope), eq(llmProviders.id, providerId)))
    .returning({ id: llmProviders.id });
  return row;
}

/**
 * Starts the validation that holds `sequence`: the row turns `validating`. Returns undefined when
 * the attempt is stale (a newer request exists), already finished, or the provider was deleted.
 */
export async function claimValidation(
  db: Executor,
  scope: TenantScope,
  providerId: string,
  sequence: number,
) {
  const [row] = await db
    .update(llmProviders)
    .set({ validationStatus: 'validating' })
    .where(
      and(
        live(scope),
        eq(llmProviders.id, providerId),
        eq(llmProviders.validationSequence, sequence),
        inArray(llmProviders.validationStatus, ['pending', 'validating']),
      ),
    )
    .returning();
  return row;
}

/**
 * Stores the outcome of the validation holding `sequence`; a newer request makes it a no-op.
 * Returns whether it was stored.
 */
export async function recordValidation(
  db: Executor,
  scope: TenantScope,
  providerId: string,
  sequence: number,
  outcome: { status: 'connected' | 'error'; error: string | null; models: ProviderModel[] },
): Promise<boolean> {
  const rows = await db
    .update(llmProviders)
    .set({
      validationStatus: outcome.status,
      validationError: outcome.error,
      models: outcome.models,
      validatedAt: sql`now()`,
    })
    .where(
      and(
        live(scope),
        eq(llmProviders.id, providerId),
        eq(llmProviders.validationSequence, sequence),
        eq(llmProviders.validationStatus, 'validating'),
      ),
    )
    .returning({ id: llmProviders.id });
  return rows.length > 0;
}
