import { type ComponentType, type LazyExoticComponent, lazy } from 'react';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

/**
 * The console's pages: each route names its page (loaded when first opened, so the first load ships
 * only the shell) and, when it belongs in the navigation, its entry there.
 */
export interface Route {
  pattern: string;
  page: LazyExoticComponent<ComponentType<PageProps>>;
  /** Shown in the navigation when set, in `order`. */
  nav?: { label: string; order: number; adminOnly?: boolean };
}

// Each page module exports its page component as `default`; pages add their lines here, by area.
export const routes: Route[] = [
  // Agents (`/agents/new` before `/agents/:id`, which would match it)
  {
    pattern: '/agents',
    page: lazy(() => import('./pages/agents/agent-list.tsx')),
    nav: { label: 'Agents', order: 10 },
  },
  { pattern: '/agents/new', page: lazy(() => import('./pages/agents/agent-form.tsx')) },
  { pattern: '/agents/:id', page: lazy(() => import('./pages/agents/agent-detail.tsx')) },
  { pattern: '/agents/:id/edit', page: lazy(() => import('./pages/agents/agent-form.tsx')) },
  // Knowledge
  {
    pattern: '/files',
    page: lazy(() => import('./pages/knowledge/files-page.tsx')),
    nav: { label: 'Knowledge', order: 40 },
  },
  { pattern: '/agents/:id/files', page: lazy(() => import('./pages/knowledge/agent-files.tsx')) },
  // Agent versions and history
  { pattern: '/agents/:id/versions', page: lazy(() => import('./pages/agent-versions/version-list.tsx')) },
  { pattern: '/agents/:id/history', page: lazy(() => import('./pages/agent-versions/field-history.tsx')) },
  // Tasks
  {
    pattern: '/tasks',
    page: lazy(() => import('./pages/tasks/tasks-page.tsx')),
    nav: { label: 'Tasks', order: 30 },
  },
  {
    pattern: '/agents/:agentId/tasks/:taskId',
    page: lazy(() => import('./pages/tasks/task-detail-page.tsx')),
  },
  // Analysis runs
  {
    pattern: '/analysis',
    page: lazy(() => import('./pages/analysis/analysis-page.tsx')),
    nav: { label: 'Analysis', order: 35 },
  },
  { pattern: '/analysis/runs/:id', page: lazy(() => import('./pages/analysis/analysis-run-page.tsx')) },
  {
    pattern: '/members',
    page: lazy(() => import('./pages/organization/members.tsx')),
    nav: { label: 'Members', order: 80, adminOnly: true },
  },
  {
    pattern: '/api-keys',
    page: lazy(() => import('./pages/organization/api-keys.tsx')),
    nav: { label: 'API keys', order: 85 },
  },
  {
    pattern: '/providers',
    page: lazy(() => import('./pages/providers/providers.tsx')),
    nav: { label: 'Providers', order: 70 },
  },
  { pattern: '/providers/:id', page: lazy(() => import('./pages/providers/provider-detail.tsx')) },
  // Runs, usage and budgets
  {
    pattern: '/runs',
    page: lazy(() => import('./pages/runs/runs-page.tsx')),
    nav: { label: 'Runs', order: 50 },
  },
  { pattern: '/runs/:id', page: lazy(() => import('./pages/runs/run-page.tsx')) },
  {
    pattern: '/usage',
    page: lazy(() => import('./pages/usage/usage-page.tsx')),
    nav: { label: 'Usage', order: 60 },
  },
  {
    pattern: '/budgets',
    page: lazy(() => import('./pages/budgets/budgets-page.tsx')),
    nav: { label: 'Budgets', order: 65 },
  },
  {
    pattern: '/chat',
    page: lazy(() => import('./pages/chat/chat-page.tsx')),
    nav: { label: 'Chat', order: 20 },
  },
  // Memories, shared contexts, tools and MCP servers
  { pattern: '/agents/:id/memories', page: lazy(() => import('./pages/memories/agent-memories.tsx')) },
  { pattern: '/agents/:id/contexts', page: lazy(() => import('./pages/contexts/agent-contexts.tsx')) },
  { pattern: '/contexts/:id', page: lazy(() => import('./pages/contexts/context-detail.tsx')) },
  {
    pattern: '/tools',
    page: lazy(() => import('./pages/tools/tools.tsx')),
    nav: { label: 'Tools', order: 75 },
  },
  {
    pattern: '/mcp-servers',
    page: lazy(() => import('./pages/tools/mcp-servers.tsx')),
    nav: { label: 'MCP servers', order: 76 },
  },
];
