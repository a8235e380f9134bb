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
 */
export function createCachedStorage(storages: TenantStorage, cache: CheckpointCache): TenantStorage {
  return {
    forTenant: (tenant) => cachedTenant(storages.forTenant(tenant), cache, tenant),
    ping: () => storages.ping(),
    async close() {
      await cache.close();
      await storages.close();
    },
  };
}

function cachedTenant(storage: Storage, cache: CheckpointCache, tenant: string): Storage {
  return {
    ...storage,

    async getTuple(query) {
      // Point-in-time reads bypass the cache both ways: its entries are keyed by checkpoint id and
      // its "latest" pointer knows nothing of time, so only storage can answer "as of T".
      if (query.asOf !== undefined) return storage.getTuple(query);
      const cached = await cache.read(tenant, query.threadId, query.checkpointNs, query.checkpointId);
      if (cached.tuple !== undefined) return cached.tuple;
      const tuple = await storage.getTuple(query);
      if (tuple !== undefined) await cache.fill(tenant, cached.token, tuple, query.checkpointId === undefined);
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
