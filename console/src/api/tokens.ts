import type { Schema } from '@agentry/client';
import { ApiError } from './api-error.ts';

export type SignedIn = Omit<Schema<'TokenResponse'>, 'refresh_token'>;

/**
 * The access token lives in this module's memory only; the refresh token in an httpOnly cookie the
 * page cannot read (docs/console.md). A script that got into the page finds neither in storage.
 */
let current: SignedIn | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<SignedIn | null> | null = null;
const listeners = new Set<(session: SignedIn | null) => void>();

export const accessToken = () => current?.access_token ?? null;
export const currentSession = () => current;

export function onSessionChange(listener: (session: SignedIn | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setSession(session: SignedIn | null) {
  current = session;
  clearTimeout(refreshTimer);
  // Renewed before it expires, so a person never meets an expired token.
  if (session) refreshTimer = setTimeout(refreshAccessToken, Math.max(session.expires_in * 800, 5_000));
  for (const listener of listeners) listener(session);
}

/** Exchanges the refresh cookie for a new access token; one exchange at a time. */
export function refreshAccessToken(): Promise<SignedIn | null> {
  refreshing ??= postAuth('/api/v1/auth/refresh', {})
    .then(
      (session) => {
        setSession(session);
        return session;
      },
      (error: unknown) => {
        // Signed out elsewhere, or the cookie expired: the person signs in again.
        if (error instanceof ApiError && error.status === 401) {
          setSession(null);
          return null;
        }
        throw error;
      },
    )
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * The auth routes are called with plain fetch: the typed client's retry-after-refresh must not
 * apply to them. 204 (sign out) answers null.
 */
export async function postAuth(path: string, body: object): Promise<SignedIn | null> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (response.status === 204) return null;
  const json = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, json, response.headers.get('x-request-id'));
  return json as SignedIn;
}
