import { describe, expect, it } from 'vitest';
import { createWriteBehind } from './write-behind.ts';

describe('write behind', () => {
  it('writes entries once they are due, together, and never an entry withdrawn before', async () => {
    const written: string[][] = [];
    const behind = createWriteBehind<string>({
      delayMs: 30,
      write: async (entries) => void written.push(entries),
      onError: (error) => {
        throw error;
      },
    });
    behind.add('quick');
    behind.add('slow-1');
    behind.add('slow-2');
    expect(behind.withdraw('quick')).toBe(true);
    await expect.poll(() => written).toEqual([['slow-1', 'slow-2']]);
    // Written already: too late to withdraw.
    expect(behind.withdraw('slow-1')).toBe(false);
  });

  it('reports a failed write and goes on; flush writes what is still waiting', async () => {
    const errors: unknown[] = [];
    const written: number[][] = [];
    let fail = true;
    const behind = createWriteBehind<number>({
      delayMs: 10,
      write: async (entries) => {
        if (fail) throw new Error('database down');
        written.push(entries);
      },
      onError: (error) => errors.push(error),
    });
    behind.add(1);
    await expect.poll(() => errors).toHaveLength(1);
    fail = false;
    behind.add(2);
    behind.add(3);
    await behind.flush();
    expect(written).toEqual([[2, 3]]);
  });
});
