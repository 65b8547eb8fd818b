import { type AnchorHTMLAttributes, useEffect, useState } from 'react';

/**
 * Routing by the URL's fragment (`/#/agents/42`): the server serves one page and needs no
 * fallback route that could shadow the API's own 404s (docs/console.md).
 */
const pathOf = () => decodeURI(window.location.hash.replace(/^#/, '')) || '/';

export function useLocation(): { path: string; query: URLSearchParams } {
  const [location, setLocation] = useState(pathOf);
  useEffect(() => {
    const changed = () => setLocation(pathOf());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  const [path = '/', search = ''] = location.split('?');
  return { path, query: new URLSearchParams(search) };
}

export function navigate(to: string) {
  window.location.hash = to;
}

/** Replaces the query part of the current route (filters), without a new history entry per keystroke. */
export function replaceQuery(query: Record<string, string | undefined>) {
  const [path] = pathOf().split('?');
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const search = params.toString();
  window.history.replaceState(null, '', `#${path}${search ? `?${search}` : ''}`);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The parameters of `pattern` (`/agents/:id/versions`) in `path`, or null when it does not match. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const expected = pattern.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of expected.entries()) {
    const value = actual[index] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

export function Link({ to, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  return <a href={`#${to}`} {...props} />;
}
