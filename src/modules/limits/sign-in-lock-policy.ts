import type { LimitSettings } from './limit-settings.ts';

/** What a failure is counted against. */
export type SignInCounter = 'pair' | 'address' | 'account';

/** Failures are forgotten this long after the last one. */
export const FAILURE_MEMORY_SECONDS = 3_600;
/** An address the account signed in from within this many days is spared the lock on the account alone. */
export const TRUSTED_ADDRESS_DAYS = 30;

/**
 * How long a counter with `failures` recent failures is locked (0: not locked). An account from
 * one address and an address over any accounts are locked from their threshold on, for the base
 * time, doubled by each further failure up to the maximum; the account alone, which an attacker
 * could lock for everyone, only ever for the base time.
 */
export function lockSecondsFor(
  counter: SignInCounter,
  failures: number,
  policy: LimitSettings['signIn'],
): number {
  const threshold =
    counter === 'pair'
      ? policy.threshold
      : counter === 'address'
        ? policy.addressThreshold
        : policy.accountThreshold;
  if (failures < threshold) return 0;
  if (counter === 'account') return policy.baseLockSeconds;
  return Math.min(policy.maxLockSeconds, policy.baseLockSeconds * 2 ** Math.min(failures - threshold, 30));
}
