/** Who is trying to sign in: the account (the email given; null for a refresh) and the client address. */
export interface SignInAttempt {
  account: string | null;
  address: string;
}

/**
 * Brute-force protection of sign-in and refresh, supplied by the limits module: `check` refuses
 * an attempt (429) while its account or its address is locked, before any credential is checked;
 * the outcome is reported once the credentials were checked.
 */
export interface SignInThrottle {
  check(attempt: SignInAttempt): Promise<void>;
  failed(attempt: SignInAttempt): Promise<void>;
  succeeded(attempt: SignInAttempt): Promise<void>;
}

/** No protection (RATE_LIMIT_ENABLED=false). */
export const unthrottledSignIn: SignInThrottle = {
  check: async () => {},
  failed: async () => {},
  succeeded: async () => {},
};
