// Loads that arrive in the same turn of the event loop go out as one query (jobs claimed together read their rows together).

/** Loads the rows of `keys` (distinct); a key without a row is left out of the map. */
export type LoadMany<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export interface BatchLoader<K, V> {
  /** The row of `key`, undefined when it has none; loaded together with every other key asked for in this turn. */
  load(key: K): Promise<V | undefined>;
}

/** Most keys one query carries (a turn asking for more runs several). */
export const batchLoadKeysMax = 500;

export function batchLoader<K, V>(loadMany: LoadMany<K, V>): BatchLoader<K, V> {
  let waiting = new Map<K, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>>();
  let scheduled = false;

  const flush = async (batch: typeof waiting) => {
    const keys = [...batch.keys()];
    for (let start = 0; start < keys.length; start += batchLoadKeysMax) {
      const chunk = keys.slice(start, start + batchLoadKeysMax);
      try {
        const rows = await loadMany(chunk);
        for (const key of chunk) for (const waiter of batch.get(key) ?? []) waiter.resolve(rows.get(key));
      } catch (error) {
        for (const key of chunk) for (const waiter of batch.get(key) ?? []) waiter.reject(error);
      }
    }
  };

  return {
    load(key) {
      return new Promise((resolve, reject) => {
        const waiters = waiting.get(key);
        if (waiters) waiters.push({ resolve, reject });
        else waiting.set(key, [{ resolve, reject }]);
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          const batch = waiting;
          waiting = new Map();
          scheduled = false;
          void flush(batch);
        });
      });
    },
  };
}
