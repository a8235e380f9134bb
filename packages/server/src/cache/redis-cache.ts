import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { settingDefaults } from "../config/setting-defaults.js";
import type { CheckpointKey, CheckpointTuple } from "../domain/checkpoint.js";
import { cacheKeys } from "./cache-keys.js";
import type { CacheFence } from "./cache-fence.js";
import { emptyStats, type CacheRead, type CheckpointCache } from "./checkpoint-cache.js";
import { fillScript, invalidateCheckpointScript, invalidateScript, readScript } from "./redis-scripts.js";
import { decodeTuple, encodeTuple } from "../mapping/tuple-codec.js";
import { createRedisClient } from "../redis/create-redis-client.js";

export interface RedisCacheOptions {
  url: string;
  /** Treat `url` as one node of a Redis Cluster. */
  cluster?: boolean;
  /** Default: `--cache-key-prefix`'s. */
  keyPrefix?: string;
  /** Default: `--cache-ttl-seconds`'s. */
  ttlSeconds?: number;
  /** How often the shared epoch is re-read (default 1000 ms). */
  epochRefreshMs?: number;
  /**
   * After an outage, how long this replica reads but does not fill (default 3000 ms): time for
   * the other replicas to reconnect and retire, through the epoch, what they wrote unseen.
   */
  reconnectGraceMs?: number;
  /**
   * The fence in the database (cache-fence.ts): part of every entry's epoch, and moved on by a
   * write whose invalidation did not reach Redis. Without it (tests of Redis alone), a replica cut
   * off Redis can leave entries stale for the others; closed with the cache.
   */
  fence?: CacheFence;
  logger: Logger;
}

/** Seams for tests, reachable only through createRedisCacheWithHooks (not exported from the package). */
export interface RedisCacheHooks {
  /** Runs before each post-commit cache write (a test delays one to reorder writers). */
  beforeWrite?: (
    operation: "put" | "writes" | "invalidate",
    key: { tenant: string; threadId: string; checkpointId?: string },
  ) => Promise<void>;
}

interface ScriptClient {
  cpdRead(meta: string, entry: string, nonce: string, ttl: number): Promise<[Buffer, Buffer, Buffer, Buffer, Buffer]>;
  cpdFill(...args: (string | number | Buffer)[]): Promise<number>;
  cpdInvalidateCheckpoint(meta: string, entry: string, latest: string, id: string): Promise<number>;
  cpdInvalidate(meta: string, nonce: string, ttl: number): Promise<number>;
}

const unset = "";

/**
 * The Redis L1 (ioredis), cache-aside: a read miss fills it; Postgres commits
 * a write first, then one Lua script invalidates what the write changed; see
 * redis-scripts.ts for the per-thread rules.
 *
 * Outages: commands fail fast (no offline queue) and the cache answers misses,
 * so every request is served from storage. A replica that lost Redis, or
 * failed to apply a post-commit write, increments the shared epoch before it
 * uses Redis again; entries carry the epoch they were written under and are
 * ignored once it changes, so nothing written during an outage is read stale
 * even if Redis kept its data. Other replicas pick the new epoch up within
 * epochRefreshMs. After an outage a replica fills nothing for
 * reconnectGraceMs, so that replicas reconnecting a little later (their Puts
 * in between could not invalidate) bump the epoch before anything is stored.
 *
 * A partition that cuts one replica off Redis while the others still reach it
 * is what the fence is for: the epoch an entry carries is Redis's epoch and
 * the fence's, and a write that could not invalidate moves the fence on (in
 * PostgreSQL) and is acknowledged only once no replica can still serve under
 * the old one (see cache-fence.ts).
 */
export function createRedisCache(options: RedisCacheOptions): CheckpointCache {
  return createRedisCacheWithHooks(options, {});
}

/** createRedisCache with test seams; production code calls createRedisCache. */
export function createRedisCacheWithHooks(options: RedisCacheOptions, hooks: RedisCacheHooks): CheckpointCache {
  const { logger } = options;
  const keys = cacheKeys(options.keyPrefix ?? settingDefaults.cacheKeyPrefix);
  const ttl = options.ttlSeconds ?? settingDefaults.cacheTtlSeconds;
  const stats = emptyStats();
  // Auto-pipelining: the reads and invalidations of one event-loop turn (a Batch's calls) go in one write.
  const client = createRedisClient({ url: options.url, cluster: options.cluster, commandTimeoutMs: 1_000, autoPipelining: true });
  for (const [name, lua, numberOfKeys] of [
    ["cpdRead", readScript, 2],
    ["cpdFill", fillScript, 3],
    ["cpdInvalidateCheckpoint", invalidateCheckpointScript, 3],
    ["cpdInvalidate", invalidateScript, 1],
  ] as const) {
    client.defineCommand(name, { lua, numberOfKeys });
  }
  const scripts = client as unknown as ScriptClient & { cpdReadBuffer: ScriptClient["cpdRead"] };

  // Redis's epoch as this replica accepts it; undefined while it may not use Redis.
  let epoch: string | undefined;
  const { fence } = options;
  /** The epoch entries are read and filled under: Redis's and the fence's; undefined while either is unusable. */
  const entryEpoch = (): string | undefined => {
    if (epoch === undefined || fence === undefined) return epoch;
    const fenced = fence.current();
    return fenced === undefined ? undefined : `${epoch}.${fenced}`;
  };
  let dirty = false;
  let everReady = false;
  // No fills before this time: set when the cache comes back after an outage.
  let fillsFrom = 0;
  const reconnectGraceMs = options.reconnectGraceMs ?? 3_000;

  const down = (error: unknown) => {
    stats.errors++;
    dirty = true;
    epoch = undefined;
    if (stats.state === "ok") {
      stats.state = "degraded";
      stats.outages++;
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, "redis cache unavailable: serving from storage");
    }
  };
  const syncEpoch = async () => {
    if (client.status !== "ready") return;
    try {
      let next: string;
      if (dirty || (everReady && epoch === undefined)) {
        next = String(await client.incr(keys.epoch));
      } else {
        await client.set(keys.epoch, "1", "NX");
        next = (await client.get(keys.epoch)) ?? "1";
      }
      everReady = true;
      dirty = false;
      if (stats.state === "degraded") {
        logger.info({ epoch: next }, "redis cache back: earlier entries retired");
        // A replica that is still reconnecting may have acknowledged Puts it could not invalidate;
        // a fill now could store what they replaced. Its reconnect bumps the epoch: wait for it.
        fillsFrom = Date.now() + reconnectGraceMs;
      }
      epoch = next;
      stats.state = "ok";
    } catch (error) {
      down(error);
    }
  };
  client.on("ready", () => void syncEpoch());
  client.on("error", (error: Error) => down(error));
  client.on("end", () => down(new Error("connection closed")));
  client.on("close", () => {
    if (everReady) down(new Error("connection closed"));
  });
  const refresh = setInterval(() => void syncEpoch(), options.epochRefreshMs ?? 1_000);
  refresh.unref();

  /** Runs a post-commit write; on failure the epoch is retired before Redis is used again. */
  const write = async (
    operation: "put" | "writes" | "invalidate",
    key: { tenant: string; threadId: string; checkpointId?: string },
    run: (epoch: string) => Promise<void>,
  ) => {
    await hooks.beforeWrite?.(operation, key);
    const current = epoch;
    if (current === undefined) {
      dirty = true;
      await fence?.retire();
      return;
    }
    try {
      await run(current);
    } catch (error) {
      down(error);
      await fence?.retire();
    }
  };

  const invalidateCheckpoint = async (operation: "put" | "writes", tenant: string, key: CheckpointKey): Promise<number | undefined> => {
    let result: number | undefined;
    await write(operation, { tenant, ...key }, async () => {
      result = await scripts.cpdInvalidateCheckpoint(
        keys.meta(tenant, key.threadId),
        keys.entry(tenant, key.threadId, key.checkpointNs, key.checkpointId),
        keys.latest(tenant, key.threadId, key.checkpointNs),
        key.checkpointId,
      );
      stats.invalidations++;
    });
    return result;
  };

  return {
    async read(tenant, threadId, ns, checkpointId): Promise<CacheRead> {
      const current = entryEpoch();
      if (current === undefined) {
        stats.misses++;
        return { tuple: undefined, token: undefined };
      }
      try {
        const entryKey = checkpointId === undefined ? keys.latest(tenant, threadId, ns) : keys.entry(tenant, threadId, ns, checkpointId);
        const [g, n, en, ee, et] = await scripts.cpdReadBuffer(keys.meta(tenant, threadId), entryKey, randomUUID(), ttl);
        // The token names the epoch too: a fill after an outage must not store what was read before it.
        const token = joinToken(current, g, n);
        if (et.length > 0 && en.equals(n) && ee.toString() === current && entryEpoch() === current) {
          stats.hits++;
          return { tuple: decodeTuple(et), token };
        }
        stats.misses++;
        return { tuple: undefined, token: entryEpoch() === current ? token : undefined };
      } catch (error) {
        down(error);
        stats.misses++;
        return { tuple: undefined, token: undefined };
      }
    },
    async fill(tenant, token, tuple: CheckpointTuple, asLatest) {
      const current = entryEpoch();
      if (token === undefined || current === undefined || Date.now() < fillsFrom) return;
      const [tokenEpoch, g, n] = splitToken(token);
      if (tokenEpoch !== current) {
        stats.staleFillsRefused++;
        return;
      }
      const { threadId, checkpointNs, checkpointId } = tuple.key;
      try {
        const stored = await scripts.cpdFill(
          keys.meta(tenant, threadId),
          keys.entry(tenant, threadId, checkpointNs, checkpointId),
          keys.latest(tenant, threadId, checkpointNs),
          g,
          n,
          current,
          checkpointId,
          Buffer.from(encodeTuple(tuple)),
          asLatest ? "1" : "0",
          ttl,
        );
        if (stored === 1) stats.fills++;
        else stats.staleFillsRefused++;
      } catch (error) {
        down(error);
      }
    },
    async afterPut(tenant, key: CheckpointKey) {
      const result = await invalidateCheckpoint("put", tenant, key);
      if (result === 2) stats.casRejections++;
    },
    async afterWrites(tenant, key) {
      await invalidateCheckpoint("writes", tenant, key);
    },
    async invalidateThread(tenant, threadId) {
      await write("invalidate", { tenant, threadId }, async () => {
        await scripts.cpdInvalidate(keys.meta(tenant, threadId), randomUUID(), ttl);
        stats.invalidations++;
      });
    },
    stats: () => ({ ...stats }),
    async close() {
      clearInterval(refresh);
      fence?.close();
      client.disconnect();
    },
  };
}

const joinToken = (epoch: string, g: Buffer, n: Buffer) => `${epoch}|${g.toString()}|${n.toString()}`;

function splitToken(token: string): [string, string, string] {
  const [epoch = unset, g = unset, n = unset] = token.split("|");
  return [epoch, g, n];
}
