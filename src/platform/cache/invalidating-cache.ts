interface Entry<TValue> {
  value: Promise<TValue>;
  group: string;
}

/**
 * A process cache of values loaded from the database, invalidated when they change (DESIGN
 * section 2: caches are invalidated through the database, by events). Concurrent misses of a key
 * share one load; a load that fails is not kept; an invalidation during a load drops what that
 * load returns for later callers. Keys belong to a group (an organization) that can be dropped at
 * once; past `maxEntries` the least recently used entry goes.
 */
export function createInvalidatingCache<TValue>(maxEntries: number) {
  const entries = new Map<string, Entry<TValue>>();

  function drop(key: string, entry: Entry<TValue>) {
    if (entries.get(key) === entry) entries.delete(key);
  }

  return {
    get(group: string, key: string, load: () => Promise<TValue>): Promise<TValue> {
      const fullKey = `${group}\u0000${key}`;
      const known = entries.get(fullKey);
      if (known) {
        // Most recently used last: the first key is the one to forget.
        entries.delete(fullKey);
        entries.set(fullKey, known);
        return known.value;
      }
      const entry: Entry<TValue> = { value: load(), group };
      entry.value.catch(() => drop(fullKey, entry));
      entries.set(fullKey, entry);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return entry.value;
    },
    invalidate(group: string, key: string) {
      entries.delete(`${group}\u0000${key}`);
    },
    invalidateGroup(group: string) {
      for (const [key, entry] of entries) if (entry.group === group) entries.delete(key);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}

export type InvalidatingCache<TValue> = ReturnType<typeof createInvalidatingCache<TValue>>;
