import { describe, expect, it } from 'vitest';
import { createInvalidatingCache } from './invalidating-cache.ts';

describe('invalidating cache', () => {
  it('loads a key once for concurrent callers, and again after it is invalidated', async () => {
    const cache = createInvalidatingCache<number>(10);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('org', 'a', load), cache.get('org', 'a', load)])).toEqual([1, 1]);
    cache.invalidate('org', 'a');
    expect(await cache.get('org', 'a', load)).toBe(2);
  });

  it('does not keep a failed load', async () => {
    const cache = createInvalidatingCache<string>(10);
    await expect(cache.get('org', 'a', async () => Promise.reject(new Error('missing')))).rejects.toThrow(
      'missing',
    );
    expect(await cache.get('org', 'a', async () => 'found')).toBe('found');
  });

  it('drops what a load returns when the key was invalidated while it ran', async () => {
    const cache = createInvalidatingCache<string>(10);
    let finish: (value: string) => void = () => {};
    const stale = cache.get('org', 'a', () => new Promise<string>((resolve) => (finish = resolve)));
    cache.invalidate('org', 'a');
    finish('old');
    expect(await stale).toBe('old');
    expect(await cache.get('org', 'a', async () => 'new')).toBe('new');
  });

  it('invalidates a whole group, everything, and the least recently used past its size', async () => {
    const cache = createInvalidatingCache<string>(2);
    const value = (text: string) => async () => text;
    await cache.get('org-1', 'a', value('a1'));
    await cache.get('org-2', 'a', value('a2'));
    cache.invalidateGroup('org-1');
    expect(await cache.get('org-1', 'a', value('a1 again'))).toBe('a1 again');
    expect(await cache.get('org-2', 'a', value('never'))).toBe('a2');
    // org-1/a was used less recently than org-2/a: a third key pushes it out.
    await cache.get('org-3', 'a', value('a3'));
    expect(cache.size).toBe(2);
    expect(await cache.get('org-1', 'a', value('a1 reloaded'))).toBe('a1 reloaded');
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
