import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Code, ConnectError } from "@connectrpc/connect";
import { chainCheckpointId as cid, chainPut, chainWrites, openWatch, refusalOf } from "@checkpointd/test-support";
import { createTestDatabase, startTestServer, testEngines, type TestEngine, type TestServer } from "@checkpointd/test-support/server";

const ttl = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
let threads = 0;
const newThread = () => `lease-thread-${++threads}`;

/** Two replicas on one database (PGlite: one in-process database served twice). */
async function startReplicas(engine: TestEngine): Promise<[TestServer, TestServer]> {
  if (engine === "pglite") {
    const a = await startTestServer("pglite");
    return [a, await startTestServer("pglite", undefined, { db: a.db })];
  }
  const urls = await createTestDatabase();
  const url = engine === "postgres" ? urls.direct : urls.pooled;
  const a = await startTestServer(engine, url);
  return [a, await startTestServer(engine, url)];
}

describe.each(testEngines)("thread leases (%s)", (engine) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    [a, b] = await startReplicas(engine);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("two workers race through two replicas: exactly one holds the lease, the other's Put is refused naming the holder", async () => {
    const threadId = newThread();
    await a.client.put(chainPut(threadId, cid(1), undefined));
    const results = await Promise.allSettled([
      a.client.acquireLease({ threadId, holder: "worker-a", ttl: ttl(30_000) }),
      b.client.acquireLease({ threadId, holder: "worker-b", ttl: ttl(30_000) }),
    ]);
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [{ i, lease: r.value }] : []));
    const lost = results.flatMap((r, i) => (r.status === "rejected" ? [{ i, error: ConnectError.from(r.reason) }] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]!.i === 0 ? "worker-a" : "worker-b";
    expect(lost[0]!.error.code).toBe(Code.FailedPrecondition);
    expect(lost[0]!.error.rawMessage).toContain(`leased by ${winner} until`);
    expect(lost[0]!.error.metadata.get("x-checkpointd-lease-holder")).toBe(winner);
    const { fencingToken, leaseId, expiresAt } = won[0]!.lease;
    expect(fencingToken).toBe(1n);
    expect(leaseId).not.toBe("");
    expect(Number(expiresAt!.seconds) * 1000).toBeGreaterThan(Date.now() + 20_000);

    // The loser writes without the token, through either replica: refused, nothing stored.
    for (const server of [a, b]) {
      const refused = await refusalOf(server.client.put(chainPut(threadId, cid(2), cid(1))));
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(refused.rawMessage).toContain(`leased by ${winner}`);
      const writes = await refusalOf(server.client.putWrites(chainWrites(threadId, cid(1), "t1")));
      expect(writes.code).toBe(Code.FailedPrecondition);
    }
    expect((await a.client.getTuple({ config: { threadId } })).tuple?.checkpoint?.id).toBe(cid(1));
    // The holder's writes land through either replica, by field or by metadata.
    await b.client.put(chainPut(threadId, cid(2), cid(1), fencingToken));
    await a.client.putWrites(chainWrites(threadId, cid(2), "t1"), { headers: { "x-checkpointd-fencing-token": String(fencingToken) } });
    const tuple = (await b.client.getTuple({ config: { threadId } })).tuple;
    expect(tuple?.checkpoint?.id).toBe(cid(2));
    expect(tuple?.pendingWrites.map((w) => w.taskId)).toEqual(["t1"]);
    await a.client.releaseLease({ threadId, leaseId });
  });

  it("a late replay with an old token is refused after another worker took the expired lease; no fork", async () => {
    const threadId = newThread();
    const first = await a.client.acquireLease({ threadId, holder: "old", ttl: ttl(300) });
    await a.client.put(chainPut(threadId, cid(1), undefined, first.fencingToken));
    // Still live: another holder is refused; after the ttl it takes over with a greater token.
    expect((await refusalOf(b.client.acquireLease({ threadId, holder: "new", ttl: ttl(30_000) }))).code).toBe(Code.FailedPrecondition);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = await b.client.acquireLease({ threadId, holder: "new", ttl: ttl(30_000) });
    expect(second.fencingToken).toBe(first.fencingToken + 1n);
    await b.client.put(chainPut(threadId, cid(2), cid(1), second.fencingToken));

    // The old holder's write, delayed in the network, arrives now with its token: refused on both replicas.
    for (const server of [a, b]) {
      const late = await refusalOf(server.client.put(chainPut(threadId, cid(3), cid(1), first.fencingToken)));
      expect(late.code).toBe(Code.FailedPrecondition);
      expect(late.rawMessage).toContain(`fencing token ${first.fencingToken} is stale`);
      expect(late.rawMessage).toContain("leased by new");
      expect((await refusalOf(server.client.putWrites(chainWrites(threadId, cid(1), "late", first.fencingToken)))).code).toBe(
        Code.FailedPrecondition,
      );
    }
    // Its renewal tells it that it lost the lease.
    const renew = await refusalOf(a.client.renewLease({ threadId, leaseId: first.leaseId }));
    expect(renew.code).toBe(Code.FailedPrecondition);
    expect(renew.rawMessage).toContain("now leased by new");
    const history: string[] = [];
    for await (const r of a.client.list({ config: { threadId } }))
      history.push(`${r.tuple?.checkpoint?.id}<-${r.tuple?.parentConfig?.checkpointId ?? ""}`);
    expect(history).toEqual([`${cid(2)}<-${cid(1)}`, `${cid(1)}<-`]);
    await b.client.releaseLease({ threadId, leaseId: second.leaseId });
  });

  it("renew extends the lease, release frees the thread, and an ended lease's token stays refused", async () => {
    const threadId = newThread();
    const lease = await a.client.acquireLease({ threadId, holder: "w", ttl: ttl(400) });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const renewed = await b.client.renewLease({ threadId, leaseId: lease.leaseId, ttl: ttl(1_000) });
    expect(renewed.fencingToken).toBe(lease.fencingToken);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Past the first ttl, still live thanks to the renewal.
    await a.client.put(chainPut(threadId, cid(1), undefined, lease.fencingToken));
    expect((await refusalOf(a.client.put(chainPut(threadId, cid(2), cid(1))))).code).toBe(Code.FailedPrecondition);
    expect((await b.client.releaseLease({ threadId, leaseId: lease.leaseId })).released).toBe(true);
    expect((await b.client.releaseLease({ threadId, leaseId: lease.leaseId })).released).toBe(false);
    // Free: writes without a token land again; the ended lease's token does not.
    await a.client.put(chainPut(threadId, cid(2), cid(1)));
    const ended = await refusalOf(a.client.put(chainPut(threadId, cid(3), cid(2), lease.fencingToken)));
    expect(ended.code).toBe(Code.FailedPrecondition);
    expect(ended.rawMessage).toContain("has ended (released");
    expect((await refusalOf(a.client.renewLease({ threadId, leaseId: lease.leaseId }))).rawMessage).toContain("released");
    // A token on a thread that never had a lease is no token of it.
    expect((await refusalOf(a.client.put(chainPut(newThread(), cid(1), undefined, 7n)))).rawMessage).toContain("has no lease");
  });

  it("DeleteThread and ClaimResume need the token while the lease is live", async () => {
    const threadId = newThread();
    await a.client.put(chainPut(threadId, cid(1), undefined));
    const resume = await a.client.resume({ threadId, values: { i1: { type: "json", data: new TextEncoder().encode("1") } } });
    const lease = await a.client.acquireLease({ threadId, holder: "worker", ttl: ttl(30_000) });
    // A user answering an interrupt is no writer of the thread: Resume is not fenced.
    await b.client.resume({ threadId, values: { i2: { type: "json", data: new TextEncoder().encode("2") } } });
    const claim = await refusalOf(b.client.claimResume({ threadId, resumeId: resume.resumeId, workerId: "other" }));
    expect(claim.code).toBe(Code.FailedPrecondition);
    const claimed = await b.client.claimResume({
      threadId,
      resumeId: resume.resumeId,
      workerId: "worker",
      fencingToken: lease.fencingToken,
    });
    expect(claimed.claimed).toBe(true);
    expect((await refusalOf(a.client.deleteThread({ threadId }))).code).toBe(Code.FailedPrecondition);
    expect((await a.client.getTuple({ config: { threadId } })).tuple?.checkpoint?.id).toBe(cid(1));
    await a.client.deleteThread({ threadId, fencingToken: lease.fencingToken });
    expect((await a.client.getTuple({ config: { threadId } })).tuple).toBeUndefined();
    // The lease outlives the deletion, so the thread's next lease has a greater token.
    await a.client.releaseLease({ threadId, leaseId: lease.leaseId });
    expect((await a.client.acquireLease({ threadId, holder: "next", ttl: ttl(1_000) })).fencingToken).toBe(lease.fencingToken + 1n);
  });

  it("in a Batch, a refused Put fails alone: its neighbours in the same group commit", async () => {
    const leased = newThread();
    const lease = await a.client.acquireLease({ threadId: leased, holder: "holder", ttl: ttl(30_000) });
    const free = [newThread(), newThread(), newThread()];
    const calls = [
      ...free.map((threadId) => ({ call: { case: "put" as const, value: chainPut(threadId, cid(1), undefined) } })),
      { call: { case: "put" as const, value: chainPut(leased, cid(1), undefined) } },
      { call: { case: "putWrites" as const, value: chainWrites(leased, cid(1), "t") } },
    ];
    const { results } = await b.client.batch({ calls });
    expect(results.map((r) => r.result.case)).toEqual(["put", "put", "put", "error", "error"]);
    expect(results[3]!.result.value).toMatchObject({ code: Code.FailedPrecondition });
    expect((results[3]!.result.value as { message: string }).message).toContain("leased by holder");
    for (const threadId of free) expect((await a.client.getTuple({ config: { threadId } })).tuple?.checkpoint?.id).toBe(cid(1));
    expect((await a.client.getTuple({ config: { threadId: leased } })).tuple).toBeUndefined();
    // The holder's batch, fenced by its metadata, lands.
    const own = await b.client.batch(
      { calls: [{ call: { case: "put", value: chainPut(leased, cid(1), undefined) } }] },
      { headers: { "x-checkpointd-fencing-token": String(lease.fencingToken) } },
    );
    expect(own.results[0]!.result.case).toBe("put");
    await a.client.releaseLease({ threadId: leased, leaseId: lease.leaseId });
  });

  it("a waiting AcquireLease takes the lease as soon as it is released, and Watch shows the lease's life", async () => {
    const threadId = newThread();
    const watch = openWatch(a.client);
    watch.send({ kind: { case: "subscribe", value: { threadId, afterEventId: 0n } } });
    const held = await a.client.acquireLease({ threadId, holder: "first", ttl: ttl(60_000) });
    const started = Date.now();
    const waiting = a.client.acquireLease({ threadId, holder: "standby", ttl: ttl(5_000), wait: ttl(20_000) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await a.client.releaseLease({ threadId, leaseId: held.leaseId });
    const taken = await waiting;
    expect(taken.fencingToken).toBe(held.fencingToken + 1n);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The standby's lease runs out unrenewed: the replica that granted it records the expiry.
    const kinds: string[] = [];
    while (kinds.length < 4) {
      const { event } = await watch.nextEvent();
      if (event !== undefined) kinds.push(`${event.kind.case}:${(event.kind.value as { holder?: string }).holder}`);
    }
    watch.close();
    expect(kinds).toEqual(["leaseAcquired:first", "leaseReleased:first", "leaseAcquired:standby", "leaseExpired:standby"]);
    // Without a wait, a held lease fails at once.
    const short = await a.client.acquireLease({ threadId, holder: "x", ttl: ttl(10_000) });
    const t0 = Date.now();
    expect((await refusalOf(a.client.acquireLease({ threadId, holder: "y", ttl: ttl(10_000) }))).code).toBe(Code.FailedPrecondition);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await a.client.releaseLease({ threadId, leaseId: short.leaseId });
  }, 30_000);

  it("bad lease requests and fencing metadata get INVALID_ARGUMENT naming the problem", async () => {
    const threadId = newThread();
    const bad = async (call: Promise<unknown>, text: string) => {
      const error = await refusalOf(call);
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(text);
    };
    await bad(a.client.acquireLease({ holder: "h", ttl: ttl(1_000) }), "thread_id is required");
    await bad(a.client.acquireLease({ threadId, ttl: ttl(1_000) }), "holder is required");
    await bad(a.client.acquireLease({ threadId, holder: "h" }), "ttl is required");
    await bad(a.client.acquireLease({ threadId, holder: "h", ttl: ttl(10) }), "ttl must be between");
    await bad(a.client.acquireLease({ threadId, holder: "h", ttl: { seconds: 7_200n } }), "ttl must be between");
    await bad(a.client.acquireLease({ threadId, holder: "h", ttl: ttl(1_000), wait: { seconds: 3_600n } }), "wait must be between");
    await bad(a.client.renewLease({ threadId }), "lease_id is required");
    await bad(a.client.releaseLease({ leaseId: "x" }), "thread_id is required");
    await bad(
      a.client.put(chainPut(threadId, cid(1), undefined), { headers: { "x-checkpointd-fencing-token": "abc" } }),
      "x-checkpointd-fencing-token",
    );
    await bad(a.client.put(chainPut(threadId, cid(1), undefined, 2n), { headers: { "x-checkpointd-fencing-token": "3" } }), "differs");
    expect((await a.client.getTuple({ config: { threadId } })).tuple).toBeUndefined();
  });
});

describe("a lease survives a server restart", () => {
  it("the new server process refuses the unfenced write and honours the token", async () => {
    const { direct } = await createTestDatabase();
    const before = await startTestServer("postgres", direct);
    const threadId = newThread();
    const lease = await before.client.acquireLease({ threadId, holder: "survivor", ttl: ttl(60_000) });
    await before.close();
    const after = await startTestServer("postgres", direct);
    try {
      expect((await refusalOf(after.client.put(chainPut(threadId, cid(1), undefined)))).rawMessage).toContain("leased by survivor");
      await after.client.put(chainPut(threadId, cid(1), undefined, lease.fencingToken));
      expect((await after.client.renewLease({ threadId, leaseId: lease.leaseId })).fencingToken).toBe(lease.fencingToken);
    } finally {
      await after.close();
    }
  });
});
