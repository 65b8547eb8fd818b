import { describe, expect, it } from 'vitest';
import { lockSecondsFor } from './sign-in-lock-policy.ts';

const policy = {
  threshold: 5,
  baseLockSeconds: 30,
  maxLockSeconds: 900,
  addressThreshold: 20,
  accountThreshold: 50,
};

describe('the sign-in lock policy', () => {
  it('locks an account from one address at its threshold, doubling with each further failure up to the maximum', () => {
    expect(
      [4, 5, 6, 7, 8, 9, 10, 11, 500].map((failures) => lockSecondsFor('pair', failures, policy)),
    ).toEqual([0, 30, 60, 120, 240, 480, 900, 900, 900]);
  });

  it('locks an address over any accounts the same way, from its own threshold', () => {
    expect([19, 20, 21].map((failures) => lockSecondsFor('address', failures, policy))).toEqual([0, 30, 60]);
  });

  it('never locks the account alone for longer than the base time', () => {
    expect([49, 50, 51, 10_000].map((failures) => lockSecondsFor('account', failures, policy))).toEqual([
      0, 30, 30, 30,
    ]);
  });
});
