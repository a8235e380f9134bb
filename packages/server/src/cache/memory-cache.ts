import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import { settingDefaults } from "../config/setting-defaults.js";
import type { CheckpointKey, CheckpointTuple } from "../domain/checkpoint.js";
import { emptyStats, type CheckpointCache } from "./checkpoint-cache.js";
import { decodeTuple, encodeTuple } from "../mapping/tuple-codec.js";

export interface MemoryCacheOptions {
  /** Bound on the encoded tuples held (default: `--cache-max-bytes`'s). */
  maxBytes?: number;
  /** Entry lifetime in seconds (default: `--cache-ttl-seconds`'s). */
  ttlSeconds?: number;
}

interface Meta {
  g: number;
  n: string;
}
interface Entry {
  n: string;
  id: string;
  bytes: Uint8Array;
}

/**
 * The in-process L1 for a single replica without Redis: an LRU bounded by
 * bytes, with the same rules as the Redis cache (see redis-cache.ts): a
 * per-thread generation guards fills, a per-thread nonce invalidates a whole
 * thread in O(1), and "latest" only moves forward.
 */
export function createMemoryCache(options: MemoryCacheOptions = {}): CheckpointCache {
  const ttl = (options.ttlSeconds ?? settingDefaults.cacheTtlSeconds) * 1000;
  const entries = new LRUCache<string, Entry>({
    maxSize: options.maxBytes ?? settingDefaults.cacheMaxBytes,
    sizeCalculation: (e, key) => e.bytes.byteLength + key.length + 64,
    ttl,
  });
  // A thread whose meta is evicted loses its nonce, which invalidates its entries: safe.
  const metas = new LRUCache<string, Meta>({ max: 100_000, ttl });
  const stats = emptyStats();
  // Keys lead with the tenant; NUL separates the parts (PostgreSQL text, so no id, holds one).
  const threadKey = (tenant: string, threadId: string) => `${tenant}\u0000${threadId}`;
  const entryKey = (tenant: string, k: CheckpointKey) =>
    `${threadKey(tenant, k.threadId)}\u0000e\u0000${k.checkpointNs}\u0000${k.checkpointId}`;
  const latestKey = (tenant: string, threadId: string, ns: string) => `${threadKey(tenant, threadId)}\u0000l\u0000${ns}`;
  const metaOf = (tenant: string, threadId: string): Meta => {
    let meta = metas.get(threadKey(tenant, threadId));
    if (meta === undefined) {
      meta = { g: 0, n: randomUUID() };
      metas.set(threadKey(tenant, threadId), meta);
    }
    return meta;
  };
  const tokenOf = (meta: Meta) => `${meta.g}:${meta.n}`;
  const store = (key: string, meta: Meta, tuple: CheckpointTuple) =>
    entries.set(key, { n: meta.n, id: tuple.key.checkpointId, bytes: encodeTuple(tuple) });

  /** As invalidateCheckpointScript in redis-scripts.ts. */
  const invalidateCheckpoint = (tenant: string, key: CheckpointKey) => {
    const meta = metas.get(threadKey(tenant, key.threadId));
    if (meta !== undefined) meta.g++;
    entries.delete(entryKey(tenant, key));
    stats.invalidations++;
    const lk = latestKey(tenant, key.threadId, key.checkpointNs);
    if ((entries.get(lk)?.id ?? "") > key.checkpointId) return "newer latest kept";
    entries.delete(lk);
    return "dropped";
  };

  return {
    async read(tenant, threadId, ns, checkpointId) {
      const meta = metaOf(tenant, threadId);
      const entry = entries.get(
        checkpointId === undefined ? latestKey(tenant, threadId, ns) : entryKey(tenant, { threadId, checkpointNs: ns, checkpointId }),
      );
      const valid = entry !== undefined && entry.n === meta.n;
      if (valid) stats.hits++;
      else stats.misses++;
      return { tuple: valid ? decodeTuple(entry.bytes) : undefined, token: tokenOf(meta) };
    },
    async fill(tenant, token, tuple, asLatest) {
      const meta = metas.get(threadKey(tenant, tuple.key.threadId));
      if (token === undefined || meta === undefined || tokenOf(meta) !== token) {
        stats.staleFillsRefused++;
        return;
      }
      store(entryKey(tenant, tuple.key), meta, tuple);
      stats.fills++;
      if (asLatest) {
        const key = latestKey(tenant, tuple.key.threadId, tuple.key.checkpointNs);
        const current = entries.get(key);
        if (current === undefined || current.n !== meta.n || current.id <= tuple.key.checkpointId) store(key, meta, tuple);
      }
    },
    async afterPut(tenant, key) {
      if (invalidateCheckpoint(tenant, key) === "newer latest kept") stats.casRejections++;
    },
    async afterWrites(tenant, key) {
      invalidateCheckpoint(tenant, key);
    },
    async invalidateThread(tenant, threadId) {
      const meta = metas.get(threadKey(tenant, threadId));
      metas.set(threadKey(tenant, threadId), { g: (meta?.g ?? 0) + 1, n: randomUUID() });
      stats.invalidations++;
    },
    stats: () => ({ ...stats, size: { entries: entries.size, bytes: entries.calculatedSize } }),
    async close() {
      entries.clear();
      metas.clear();
    },
  };
}
