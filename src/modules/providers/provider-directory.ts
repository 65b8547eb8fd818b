import { and, asc, desc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../platform/db/database.ts';
import { inScope, type TenantScope } from '../../platform/db/tenant-scope.ts';
import type { ProviderType } from '../../platform/llm/provider-connection.ts';
import type { OperatorProviders } from './operator-providers.ts';
import { findProvider } from './provider-repository.ts';
import { llmProviders } from './provider-tables.ts';

/** A provider an organization may name in an agent: its own (live) or a shared operator one. */
export interface UsableProvider {
  id: string;
  name: string;
  type: ProviderType;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Answers which provider a reference names, among those the organization may use: by id, by
 * name (case-insensitive), or by type ("openai"), the organization's own first (its default,
 * then active ones, then the oldest), then the operator's shared ones.
 */
export function createProviderDirectory({ db, operators }: { db: Database; operators: OperatorProviders }) {
  async function operatorProvider(predicate: (provider: UsableProvider) => boolean) {
    const match = (await operators.visible()).find(({ provider }) => predicate(provider));
    return match && { id: match.provider.id, name: match.provider.name, type: match.provider.type };
  }

  async function byNameOrType(scope: TenantScope, reference: string): Promise<UsableProvider | undefined> {
    const sameName = sql`lower(${llmProviders.name}) = lower(${reference})`;
    const [row] = await db
      .select({ id: llmProviders.id, name: llmProviders.name, type: llmProviders.type })
      .from(llmProviders)
      .where(
        and(
          inScope(llmProviders.organizationId, scope),
          isNull(llmProviders.deletedAt),
          or(sameName, eq(llmProviders.type, reference as ProviderType)),
        ),
      )
      .orderBy(
        desc(sameName),
        desc(llmProviders.isDefault),
        desc(llmProviders.isActive),
        asc(llmProviders.createdAt),
      )
      .limit(1);
    return (
      row ??
      operatorProvider(
        (provider) => provider.type === reference || provider.name.toLowerCase() === reference.toLowerCase(),
      )
    );
  }

  return {
    async find(scope: TenantScope, reference: string): Promise<UsableProvider | undefined> {
      if (!UUID.test(reference)) return byNameOrType(scope, reference);
      const row = await findProvider(db, scope, reference);
      if (row) return { id: row.id, name: row.name, type: row.type };
      return operatorProvider((provider) => provider.id === reference);
    },
  };
}

export type ProviderDirectory = ReturnType<typeof createProviderDirectory>;
