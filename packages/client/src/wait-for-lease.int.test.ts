import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Interceptor } from "@connectrpc/connect";
import { runCheckpointd, type RunningCheckpointd } from "@checkpointd/test-support";
import { createCheckpointdClient, type CheckpointdClient } from "./create-checkpointd-client.js";
import { leaseHolderOf, waitForLease } from "./wait-for-lease.js";

const ttl = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

describe("waitForLease", () => {
  let server: RunningCheckpointd;
  let holder: CheckpointdClient;
  let standby: CheckpointdClient;
  const calls: string[] = [];
  beforeAll(async () => {
    server = await runCheckpointd();
    holder = createCheckpointdClient({ address: server.address });
    const count: Interceptor = (next) => (req) => {
      calls.push(req.method.name);
      return next(req);
    };
    standby = createCheckpointdClient({ address: server.address, interceptors: [count] });
  });
  afterAll(async () => {
    await holder?.close();
    await standby?.close();
    await server?.stop();
  });

  it("takes the lease as soon as the holder releases it, sleeping on Watch (no polling)", async () => {
    const threadId = `wait-release-${Date.now()}`;
    const held = await holder.acquireLease({ threadId, holder: "holder", ttl: ttl(60_000) });
    const refused = await holder.acquireLease({ threadId, holder: "x", ttl: ttl(1_000) }).catch((e: unknown) => e);
    expect(leaseHolderOf(refused)).toMatchObject({ holder: "holder" });
    calls.length = 0;
    const started = Date.now();
    const waiting = waitForLease(standby, { threadId, holder: "standby", ttlMs: 5_000 });
    // Held for a while: the standby asks once, then only watches.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(calls.filter((c) => c === "AcquireLease")).toHaveLength(1);
    expect(await holder.releaseLease({ threadId, leaseId: held.leaseId })).toBe(true);
    const lease = await waiting;
    expect(lease.fencingToken).toBe(held.fencingToken + 1n);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(calls.filter((c) => c === "AcquireLease")).toHaveLength(2);
    expect(calls.filter((c) => c === "Watch")).toHaveLength(1);
  });

  it("takes over a dead holder's lease when its ttl runs out", async () => {
    const threadId = `wait-expiry-${Date.now()}`;
    const held = await holder.acquireLease({ threadId, holder: "dies", ttl: ttl(700) });
    const started = Date.now();
    const lease = await waitForLease(standby, { threadId, holder: "standby", ttlMs: 5_000 });
    expect(lease.fencingToken).toBe(held.fencingToken + 1n);
    expect(Date.now() - started).toBeGreaterThan(400);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("gives up when its signal aborts", async () => {
    const threadId = `wait-abort-${Date.now()}`;
    await holder.acquireLease({ threadId, holder: "keeps", ttl: ttl(60_000) });
    const controller = new AbortController();
    const waiting = waitForLease(standby, { threadId, holder: "standby", ttlMs: 5_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop waiting")), 300);
    await expect(waiting).rejects.toThrow("stop waiting");
  });
});
