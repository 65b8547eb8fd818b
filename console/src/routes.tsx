import type { ComponentType, LazyExoticComponent } from 'react';

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
export const routes: Route[] = [];
