import { afterEach, describe, expect, it } from "@jest/globals";
import type { Kysely } from "kysely";
import { pino } from "pino";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import type { Database } from "../storage/database-schema.js";
import { createCacheFenceStore, type CacheFenceStore } from "../storage/cache-fence-store.js";
import { createCacheFence, type CacheFence } from "./cache-fence.js";

const logger = pino({ level: "silent" });
const waitFor = async (what: string, probe: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe.each(testEngines)("the cache fence on %s", (engine) => {
  let db: Kysely<Database>;
  let fence: CacheFence | undefined;
  afterEach(async () => {
    fence?.close();
    await db?.destroy();
  });

  it("serves under the epoch it read, and a retire moves it on in the database and waits out the lease", async () => {
    db = await openTestDatabase(engine);
    const store = createCacheFenceStore(db);
    fence = createCacheFence({ store, refreshMs: 50, leaseMs: 300, logger });
    await waitFor("first read", () => fence!.current() !== undefined);
    expect(fence.current()).toBe("0");
    const began = performance.now();
    await fence.retire();
    expect(performance.now() - began).toBeGreaterThanOrEqual(300);
    expect(await store.read()).toBe("1");
    expect(fence.current()).toBe("1");
  });

  it("serves nothing once its view is older than the lease, and again when the fence is readable", async () => {
    db = await openTestDatabase(engine);
    const real = createCacheFenceStore(db);
    let readable = true;
    // The real store, made unreachable on demand (as a replica cut off the database).
    const store: CacheFenceStore = {
      read: () => (readable ? real.read() : Promise.reject(new Error("unreachable"))),
      bump: () => real.bump(),
    };
    fence = createCacheFence({ store, refreshMs: 50, leaseMs: 300, logger });
    await waitFor("first read", () => fence!.current() !== undefined);
    readable = false;
    await waitFor("the lease to run out", () => fence!.current() === undefined, 1_000);
    readable = true;
    await waitFor("a fresh view", () => fence!.current() === "0", 1_000);
  });
});
