import { describe, expect, it } from "@jest/globals";
import { sampleTuple } from "@checkpointd/test-support";
import type { Storage, TenantStorage } from "../storage/checkpoint-storage.js";
import type { CheckpointCache } from "./checkpoint-cache.js";
import { createCachedStorage } from "./cached-storage.js";
import { createMemoryCache } from "./memory-cache.js";

const stored = sampleTuple("t", "c1");

/** Storage that holds one tuple and counts its reads (only getTuple is used by these tests). */
function oneTupleStorage(): TenantStorage & { reads: number; closed: boolean } {
  const storages = {
    reads: 0,
    closed: false,
    forTenant: () => ({ getTuple: async () => (storages.reads++, stored) }) as unknown as Storage,
    ping: async () => undefined,
    close: async () => {
      storages.closed = true;
    },
  };
  return storages;
}

/** The in-process cache, with every fill held until `release` is called. */
function heldFills() {
  const cache = createMemoryCache();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const events: string[] = [];
  const held: CheckpointCache = {
    ...cache,
    async fill(tenant, token, tuple, asLatest) {
      events.push("fill started");
      await released;
      await cache.fill(tenant, token, tuple, asLatest);
      events.push("fill done");
    },
    async close() {
      events.push("cache closed");
      await cache.close();
    },
  };
  return { cache: held, release, events };
}

describe("the cached storage", () => {
  it("answers a miss without waiting for its fill, which then serves the next read", async () => {
    const { cache, release, events } = heldFills();
    const storages = oneTupleStorage();
    const storage = createCachedStorage(storages, cache).forTenant("a");

    expect(await storage.getTuple({ threadId: "t", checkpointNs: "", checkpointId: undefined })).toEqual(stored);
    expect(events).toEqual(["fill started"]);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["fill started", "fill done"]);
    expect(await storage.getTuple({ threadId: "t", checkpointNs: "", checkpointId: undefined })).toEqual(stored);
    expect(storages.reads).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, fills: 1 });
  });

  it("waits for a fill still on its way before it closes the cache and storage", async () => {
    const { cache, release, events } = heldFills();
    const storages = oneTupleStorage();
    const cached = createCachedStorage(storages, cache);
    await cached.forTenant("a").getTuple({ threadId: "t", checkpointNs: "", checkpointId: "c1" });

    const closing = cached.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(["fill started"]);
    expect(storages.closed).toBe(false);
    release();
    await closing;
    expect(events).toEqual(["fill started", "fill done", "cache closed"]);
    expect(storages.closed).toBe(true);
  });
});
