import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

/** A write whose batches can be held open, to submit entries while one is in flight. */
function heldWrite(fail: (entry: number) => boolean = () => false) {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  return {
    batches,
    release: () => releases.shift()?.(),
    write: async (entries: readonly number[]) => {
      batches.push([...entries]);
      await new Promise<void>((resolve) => releases.push(resolve));
      if (entries.some(fail)) throw new Error(`batch of ${entries.length} failed`);
      return entries.map((entry) => entry * 10);
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('writes a lone entry at once, and entries submitted meanwhile together in the next batch', async () => {
    const held = heldWrite();
    const commits = createGroupCommit({ write: held.write, maxBatch: 10 });
    const first = commits.submit(1);
    await settle();
    const waiting = [commits.submit(2), commits.submit(3), commits.submit(4)];
    await settle();
    expect(held.batches).toEqual([[1]]);
    held.release();
    expect(await first).toBe(10);
    await settle();
    expect(held.batches).toEqual([[1], [2, 3, 4]]);
    held.release();
    expect(await Promise.all(waiting)).toEqual([20, 30, 40]);
    await commits.flushed();
  });

  it('bounds a batch by maxBatch', async () => {
    const held = heldWrite();
    const commits = createGroupCommit({ write: held.write, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((entry) => commits.submit(entry));
    for (let round = 0; round < 3; round++) {
      await settle();
      held.release();
    }
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
    // The first goes out alone at once; the others wait and are split by the bound.
    expect(held.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('writes the entries of a failed batch one by one, so that only the bad one fails', async () => {
    const held = heldWrite((entry) => entry === 3);
    const commits = createGroupCommit({ write: held.write, maxBatch: 10 });
    const first = commits.submit(1);
    await settle();
    const results = [2, 3, 4].map((entry) => commits.submit(entry).catch((error: Error) => error.message));
    for (let round = 0; round < 5; round++) {
      held.release();
      await settle();
    }
    await first;
    expect(await Promise.all(results)).toEqual([20, 'batch of 1 failed', 40]);
    expect(held.batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('writes a batch the database aborted as a deadlock victim again, once, before splitting it', async () => {
    const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const batches: number[][] = [];
    let deadlocks = 1;
    const commits = createGroupCommit({
      maxBatch: 10,
      write: async (entries: readonly number[]) => {
        batches.push([...entries]);
        if (deadlocks-- > 0) throw deadlock();
        return entries.map((entry) => entry * 10);
      },
    });
    expect(await commits.submit(7)).toBe(70);
    expect(batches).toEqual([[7], [7]]);

    const always = createGroupCommit<number, number>({
      maxBatch: 10,
      write: async () => {
        throw deadlock();
      },
    });
    await expect(always.submit(8)).rejects.toThrow('deadlock detected');
  });
});
