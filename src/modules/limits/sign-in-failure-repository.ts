import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { signInFailures } from './limits-tables.ts';
import { FAILURE_MEMORY_SECONDS, TRUSTED_ADDRESS_DAYS } from './sign-in-lock-policy.ts';

// Sign-in precedes knowing the organization: these functions act for no tenant, on hashed keys.

/** The records of the given keys, with the database's clock (locks are compared with it). */
export async function findSignInRecords(db: Executor, keys: string[]) {
  return db
    .select({
      key: signInFailures.key,
      lockedUntil: signInFailures.lockedUntil,
      succeededAt: signInFailures.succeededAt,
      now: sql<Date>`now()`.mapWith((value: string | Date) => new Date(value)),
    })
    .from(signInFailures)
    .where(inArray(signInFailures.key, keys));
}

const memory = sql`now() - make_interval(secs => ${FAILURE_MEMORY_SECONDS})`;

/** Counts one failure on each key (restarting counts whose last failure is forgotten); their new counts. */
export async function countSignInFailures(db: Executor, keys: string[]) {
  return db
    .insert(signInFailures)
    .values(keys.sort().map((key) => ({ key, failures: 1, lastFailureAt: sql`now()` })))
    .onConflictDoUpdate({
      target: signInFailures.key,
      set: {
        failures: sql`case when ${signInFailures.lastFailureAt} is null or ${signInFailures.lastFailureAt} < ${memory}
          then 1 else ${signInFailures.failures} + 1 end`,
        lastFailureAt: sql`now()`,
      },
    })
    .returning({ key: signInFailures.key, failures: signInFailures.failures });
}

/** Locks `key` for `seconds` from now (the database's clock). */
export async function lockSignIns(db: Executor, key: string, seconds: number) {
  await db
    .update(signInFailures)
    .set({ lockedUntil: sql`now() + make_interval(secs => ${seconds})` })
    .where(eq(signInFailures.key, key));
}

/** A successful sign-in of an account from an address: its failures end, and the address is remembered. */
export async function recordSignInSuccess(db: Executor, key: string) {
  await db
    .insert(signInFailures)
    .values({ key, failures: 0, succeededAt: sql`now()` })
    .onConflictDoUpdate({
      target: signInFailures.key,
      set: { failures: 0, lastFailureAt: null, lockedUntil: null, succeededAt: sql`now()` },
    });
}

/** Maintenance: deletes records that hold no recent failure, no lock and no recent success. */
export async function forgetSignInRecords(db: Executor) {
  await db
    .delete(signInFailures)
    .where(
      and(
        or(isNull(signInFailures.lastFailureAt), lt(signInFailures.lastFailureAt, memory)),
        or(isNull(signInFailures.lockedUntil), lt(signInFailures.lockedUntil, sql`now()`)),
        or(
          isNull(signInFailures.succeededAt),
          lt(signInFailures.succeededAt, sql`now() - make_interval(days => ${TRUSTED_ADDRESS_DAYS})`),
        ),
      ),
    );
}
