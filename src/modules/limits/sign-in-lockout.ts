import { sha256Hex } from '../../platform/crypto/tokens.ts';
import type { Database } from '../../platform/db/database.ts';
import type { SignInAttempt, SignInThrottle } from '../tenancy/index.ts';
import { SignInLockedError } from './limit-errors.ts';
import type { LimitSettings } from './limit-settings.ts';
import {
  countSignInFailures,
  findSignInRecords,
  forgetSignInRecords,
  lockSignIns,
  recordSignInSuccess,
} from './sign-in-failure-repository.ts';
import { lockSecondsFor, type SignInCounter, TRUSTED_ADDRESS_DAYS } from './sign-in-lock-policy.ts';

const DAY_MS = 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

/** The hashed keys an attempt is counted under (no email or address is stored). */
function keysOf(attempt: SignInAttempt): { counter: SignInCounter; key: string }[] {
  const address = { counter: 'address' as const, key: sha256Hex(`address\n${attempt.address}`) };
  if (attempt.account === null) return [address];
  const account = attempt.account.trim().toLowerCase();
  return [
    { counter: 'pair', key: sha256Hex(`pair\n${account}\n${attempt.address}`) },
    address,
    { counter: 'account', key: sha256Hex(`account\n${account}`) },
  ];
}

/**
 * Locks after repeated failed sign-ins, in the database so that every process applies them
 * (policy in docs/limits.md): an account from one address, an address over any accounts, and the
 * account alone, briefly and never for an address it signed in from lately. Refused attempts are
 * not counted, so a lock cannot be kept alive by hammering it.
 */
export function createSignInLockout(options: {
  db: Database;
  policy: LimitSettings['signIn'];
  onError(error: unknown): void;
}): SignInThrottle {
  const { db, policy } = options;
  let lastPrune = 0;

  return {
    async check(attempt) {
      const keys = keysOf(attempt);
      const records = await findSignInRecords(
        db,
        keys.map((entry) => entry.key),
      );
      if (records.length === 0) return;
      const counterOf = new Map(keys.map((entry) => [entry.key, entry.counter]));
      const pair = records.find((record) => counterOf.get(record.key) === 'pair');
      const trusted =
        pair?.succeededAt && pair.succeededAt.getTime() > pair.now.getTime() - TRUSTED_ADDRESS_DAYS * DAY_MS;
      let lockedForMs = 0;
      for (const record of records) {
        if (!record.lockedUntil) continue;
        if (counterOf.get(record.key) === 'account' && trusted) continue;
        lockedForMs = Math.max(lockedForMs, record.lockedUntil.getTime() - record.now.getTime());
      }
      if (lockedForMs > 0) throw new SignInLockedError(Math.ceil(lockedForMs / 1000));
    },

    async failed(attempt) {
      const keys = keysOf(attempt);
      const counted = await countSignInFailures(
        db,
        keys.map((entry) => entry.key),
      );
      for (const { key, failures } of counted) {
        const counter = keys.find((entry) => entry.key === key)?.counter;
        const seconds = counter ? lockSecondsFor(counter, failures, policy) : 0;
        if (seconds > 0) await lockSignIns(db, key, seconds);
      }
      if (Date.now() - lastPrune > PRUNE_INTERVAL_MS) {
        lastPrune = Date.now();
        forgetSignInRecords(db).catch(options.onError);
      }
    },

    async succeeded(attempt) {
      const pair = keysOf(attempt).find((entry) => entry.counter === 'pair');
      if (pair) await recordSignInSuccess(db, pair.key);
    },
  };
}
