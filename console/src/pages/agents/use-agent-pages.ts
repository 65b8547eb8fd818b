import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../../api/api-error.ts';
import { asApiError } from '../../api/api-error.ts';
import { api, withTotal } from '../../api/client.ts';
import type { Agent } from './agent-draft.ts';

/** The filters GET /api/v1/agents takes, as the list's URL holds them. */
export interface AgentFilters {
  search?: string;
  status?: 'active' | 'inactive' | 'archived';
  kind?: string;
  provider_id?: string;
  agent_type?: string;
  tag?: string;
}

// The API's largest page: a thousand agents arrive in five requests, the first shown at once.
const PAGE_SIZE = 200;

interface Pages {
  agents: Agent[];
  total: number;
  loading: boolean;
  error: ApiError | null;
}

/**
 * The agents matching `filters`, a page at a time: the first page on a change of filters, the next
 * when `loadMore` is called (the list calls it when its end comes into view).
 */
export function useAgentPages(filters: AgentFilters) {
  const key = JSON.stringify(filters);
  const [pages, setPages] = useState<Pages>({ agents: [], total: 0, loading: true, error: null });
  const generation = useRef(0);
  const busy = useRef(false);

  const loadPage = useCallback(
    async (mine: number, offset: number) => {
      busy.current = true;
      setPages((previous) => ({ ...previous, loading: true, error: null }));
      try {
        const query = { ...(JSON.parse(key) as AgentFilters), limit: PAGE_SIZE, offset };
        const { items, total } = await withTotal(api.GET('/api/v1/agents', { params: { query } }));
        if (mine !== generation.current) return;
        setPages((previous) => ({
          agents: offset === 0 ? items : [...previous.agents, ...items],
          total,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (mine === generation.current)
          setPages((previous) => ({ ...previous, loading: false, error: asApiError(error) }));
      } finally {
        if (mine === generation.current) busy.current = false;
      }
    },
    [key],
  );

  const reload = useCallback(() => {
    generation.current += 1;
    void loadPage(generation.current, 0);
  }, [loadPage]);

  useEffect(reload, [reload]);

  const { agents, total, error } = pages;
  const loadMore = useCallback(() => {
    if (busy.current || error || agents.length >= total) return;
    void loadPage(generation.current, agents.length);
  }, [loadPage, agents.length, total, error]);

  return { ...pages, hasMore: agents.length < total, loadMore, reload };
}
