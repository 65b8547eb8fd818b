import type { Database } from '../../platform/db/database.ts';
import { isUuid } from '../../platform/db/ids.ts';
import type { TenantScope } from '../../platform/db/tenant-scope.ts';
import type { ProviderType } from '../../platform/llm/provider-connection.ts';
import type { OperatorProviders } from './operator-providers.ts';
import { findProvider, findProviderByNameOrType } from './provider-repository.ts';

/** A provider an organization may name in an agent: its own (live) or a shared operator one. */
interface UsableProvider {
  id: string;
  name: string;
  type: ProviderType;
}

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
    return (
      (await findProviderByNameOrType(db, scope, reference)) ??
      operatorProvider(
        (provider) => provider.type === reference || provider.name.toLowerCase() === reference.toLowerCase(),
      )
    );
  }

  return {
    async find(scope: TenantScope, reference: string): Promise<UsableProvider | undefined> {
      if (!isUuid(reference)) return byNameOrType(scope, reference);
      const row = await findProvider(db, scope, reference);
      if (row) return { id: row.id, name: row.name, type: row.type };
      return operatorProvider((provider) => provider.id === reference);
    },
  };
}
