import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import {
  currentSession,
  onSessionChange,
  postAuth,
  refreshAccessToken,
  type SignedIn,
  setSession,
} from '../api/tokens.ts';

interface SessionContext {
  session: SignedIn | null;
  /** False until the first silent refresh has said whether a sign-in cookie is still valid. */
  ready: boolean;
  signIn(email: string, password: string): Promise<void>;
  register(input: {
    email: string;
    password: string;
    full_name: string;
    organization_name?: string;
  }): Promise<void>;
  signOut(): Promise<void>;
}

const Session = createContext<SessionContext | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setCurrent] = useState(currentSession);
  const [ready, setReady] = useState(false);
  useEffect(() => onSessionChange(setCurrent), []);
  useEffect(() => {
    // A reload keeps the person signed in: the cookie is exchanged for a new access token.
    refreshAccessToken()
      .catch(() => null)
      .finally(() => setReady(true));
  }, []);
  const value: SessionContext = {
    session,
    ready,
    async signIn(email, password) {
      setSession(await postAuth('/api/v1/auth/login', { email, password, refresh_token_delivery: 'cookie' }));
    },
    async register(input) {
      setSession(await postAuth('/api/v1/auth/register', { ...input, refresh_token_delivery: 'cookie' }));
    },
    async signOut() {
      await postAuth('/api/v1/auth/logout', {}).catch(() => null);
      setSession(null);
    },
  };
  return <Session.Provider value={value}>{children}</Session.Provider>;
}

export function useSession(): SessionContext {
  const context = useContext(Session);
  if (!context) throw new Error('useSession outside SessionProvider');
  return context;
}

/** The signed-in session; only for pages rendered behind the sign-in gate. */
export function useSignedIn(): SignedIn {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn on a signed-out page');
  return session;
}
