import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client.ts';
import { useApi } from '../../api/use-api.ts';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { SelectField, TextField } from '../../components/fields.tsx';
import { replaceQuery } from '../../router.tsx';
import type { AgentFilters } from './use-agent-pages.ts';

const FILTER_NAMES = ['search', 'status', 'kind', 'provider_id', 'agent_type', 'tag'] as const;

/** The list's filters as its URL holds them (so a filtered list can be linked and reloaded). */
export function filtersFromQuery(query: URLSearchParams): AgentFilters {
  const filters: Record<string, string> = {};
  for (const name of FILTER_NAMES) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters as AgentFilters;
}

// Typing settles before the list is asked again.
const SEARCH_DELAY_MS = 200;

export function AgentFilterBar({ filters }: { filters: AgentFilters }) {
  const [search, setSearch] = useState(filters.search ?? '');
  const set = (changes: Partial<AgentFilters>) => replaceQuery({ ...filters, ...changes });
  useEffect(() => {
    if (search === (filters.search ?? '')) return;
    const timer = setTimeout(() => replaceQuery({ ...filters, search }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, filters]);

  const providers = useApi(
    () => unwrap(api.GET('/api/v1/providers', { params: { query: { limit: 200 } } })),
    [],
  );
  const kinds = useApi(() => unwrap(api.GET('/api/v1/agent-definitions')), []);
  const any = { value: '', label: 'Any' };
  return (
    <search className="toolbar agent-filters" aria-label="Filter the agents">
      <TextField
        label="Search"
        name="search"
        type="search"
        placeholder="Name or description"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      <SelectField
        label="Status"
        name="status"
        value={filters.status ?? ''}
        onChange={(event) => set({ status: (event.target.value || undefined) as AgentFilters['status'] })}
        options={[
          { value: '', label: 'Not archived' },
          { value: 'active', label: 'Active' },
          { value: 'inactive', label: 'Inactive' },
          { value: 'archived', label: 'Archived' },
        ]}
      />
      <SelectField
        label="Kind"
        name="kind"
        value={filters.kind ?? ''}
        onChange={(event) => set({ kind: event.target.value })}
        options={[any, ...(kinds.data ?? []).map((kind) => ({ value: kind.slug, label: kind.name }))]}
      />
      <SelectField
        label="Provider"
        name="provider_id"
        value={filters.provider_id ?? ''}
        onChange={(event) => set({ provider_id: event.target.value })}
        options={[
          any,
          ...(providers.data ?? []).map((provider) => ({ value: provider.id, label: provider.name })),
        ]}
      />
      <TextField
        label="Type"
        name="agent_type"
        value={filters.agent_type ?? ''}
        onChange={(event) => set({ agent_type: event.target.value })}
      />
      <TextField
        label="Tag"
        name="tag"
        value={filters.tag ?? ''}
        onChange={(event) => set({ tag: event.target.value })}
      />
      <ErrorNotice error={providers.error ?? kinds.error} />
    </search>
  );
}
