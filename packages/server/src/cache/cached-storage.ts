import type { Storage, TenantStorage } from "../storage/checkpoint-storage.js";
import type { CheckpointCache } from "./checkpoint-cache.js";

/**
 * Storage read through an L1 cache (cache-aside): storage commits first, then
 * the cache drops what the write changed, and the next read fills it. A Put is
 * not written through: the tuple a read returns is rebuilt from stored values
 * (a channel outside new_versions comes from an earlier version), and only
 * storage knows those, so the cache never guesses. Storage stays unaware of
 * the cache. List is not cached (it streams from storage), nor is a
 * point-in-time GetTuple. Each tenant's view reads and drops only that
 * tenant's cache keys.
 *
 * A read that missed answers without waiting for its fill: a fill is a
 * compare-and-set on the token the miss took, so whenever it lands it stores
 * the tuple only if no write changed the thread since, and a later read or
 * invalidation from this replica goes to the cache after it (one connection,
 * in order). Fills still on their way are awaited by close.
 */
export function createCachedStorage(storages: TenantStorage, cache: CheckpointCache): TenantStorage {
  const fills = new Set<Promise<void>>();
  return {
    forTenant: (tenant) => cachedTenant(storages.forTenant(tenant), cache, tenant, fills),
    ping: () => storages.ping(),
    async close() {
      await Promise.allSettled([...fills]);
      await cache.close();
      await storages.close();
    },
  };
}

function cachedTenant(storage: Storage, cache: CheckpointCache, tenant: string, fills: Set<Promise<void>>): Storage {
  return {
    ...storage,

    async getTuple(query) {
      // Point-in-time reads bypass the cache both ways: its entries are keyed by checkpoint id and
      // its "latest" pointer knows nothing of time, so only storage can answer "as of T".
      if (query.asOf !== undefined) return storage.getTuple(query);
      const cached = await cache.read(tenant, query.threadId, query.checkpointNs, query.checkpointId);
      if (cached.tuple !== undefined) return cached.tuple;
      const tuple = await storage.getTuple(query);
      if (tuple !== undefined) {
        // The cache never throws (checkpoint-cache.ts); the catch only keeps a broken one from crashing the process.
        const fill = cache.fill(tenant, cached.token, tuple, query.checkpointId === undefined).catch(() => undefined);
        fills.add(fill);
        void fill.finally(() => fills.delete(fill));
      }
      return tuple;
    },

    async put(input, events) {
      const key = await storage.put(input, events);
      await cache.afterPut(tenant, key);
      return key;
    },

    async putWrites(input, events) {
      await storage.putWrites(input, events);
      await cache.afterWrites(tenant, input.key);
    },

    async deleteThread(threadId, events, fencingToken) {
      await storage.deleteThread(threadId, events, fencingToken);
      await cache.invalidateThread(tenant, threadId);
    },

    async copyThread(source, target) {
      await storage.copyThread(source, target);
      await cache.invalidateThread(tenant, target);
    },

    async deleteForRuns(runIds) {
      const result = await storage.deleteForRuns(runIds);
      for (const threadId of result.threadIds) await cache.invalidateThread(tenant, threadId);
      return result;
    },

    async prune(threadIds, strategy, deletedEvent) {
      await storage.prune(threadIds, strategy, deletedEvent);
      for (const threadId of threadIds) await cache.invalidateThread(tenant, threadId);
    },
  };
}
