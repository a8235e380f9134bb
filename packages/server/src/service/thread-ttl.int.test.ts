import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { retentionCheckpointId, retentionStep, waitUntil } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";

// Long enough that a write loop on a loaded shared machine (PGlite, 2 cores) never pauses past it.
const ttlMs = 3_000;
const intervalMs = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeSteps(server: TestServer, threadId: string, from: number, count: number) {
  for (let i = from; i < from + count; i++) {
    const step = retentionStep(threadId, "", i);
    await server.client.put(step.put);
    await server.client.putWrites(step.writes);
  }
}

const countOf = async (server: TestServer, threadId: string) =>
  Number((await server.client.getThread({ threadId })).thread!.checkpointCount);

describe.each(testEngines)("thread TTL with the sweeper ticking, on %s", (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, undefined, {
      retention: { maxVersions: 0, maxAgeMs: 0, ttlMs, ttlStrategy: "delete", refreshOnRead: true },
      sweeper: { intervalMs, batch: 100 },
    });
  });
  afterAll(() => server.close());

  it("an idle thread goes within one interval of expiring; writes and reads keep theirs; a pinned one stays; keep_latest keeps the latest", async () => {
    for (const t of ["written", "read", "pinned", "reduced"]) await writeSteps(server, t, 0, 3);
    await server.client.setRetention({ threadId: "pinned", policy: { pinned: true } });
    await server.client.setRetention({ threadId: "reduced", policy: { ttlStrategy: TtlStrategy.KEEP_LATEST } });
    await writeSteps(server, "idle", 0, 2);
    // The idle thread's last write commits between these two instants.
    const lastWriteFrom = Date.now();
    await writeSteps(server, "idle", 2, 1);
    const lastWriteBy = Date.now();
    let step = 3;
    const stop = Date.now() + ttlMs * 2.5;
    const busy = (async () => {
      while (Date.now() < stop) {
        await writeSteps(server, "written", step++, 1);
        expect((await server.client.getTuple({ config: { threadId: "read", checkpointNs: "" } })).tuple).toBeDefined();
        await sleep(200);
      }
    })();
    let goneAfter = 0;
    await waitUntil(
      "the idle thread is deleted",
      async () => {
        expect(await countOf(server, "idle")).toBe(0);
        goneAfter = Date.now();
      },
      { timeoutMs: ttlMs + 10 * intervalMs, intervalMs: 50 },
    );
    // Expired at ttlMs; a pass comes within one interval, plus the machine's slack: 2 s, since a fresh-clone CI
    // run (two test files at once, through PgBouncer) saw the pass land 1.1 s after the interval.
    expect(goneAfter - lastWriteFrom).toBeGreaterThanOrEqual(ttlMs);
    expect(goneAfter - lastWriteBy).toBeLessThanOrEqual(ttlMs + intervalMs + 2_000);
    await busy;
    expect(await countOf(server, "written")).toBe(step);
    expect(await countOf(server, "read")).toBe(3);
    expect(await countOf(server, "pinned")).toBe(3);
    expect(await countOf(server, "reduced")).toBe(1);
    const { tuple } = await server.client.getTuple({ config: { threadId: "reduced", checkpointNs: "" } });
    expect(tuple!.config!.checkpointId).toBe(retentionCheckpointId(2));
    // A write after expiry starts the thread afresh.
    await writeSteps(server, "idle", 0, 1);
    expect(await countOf(server, "idle")).toBe(1);
  }, 30_000);

  it("8 writers on threads being trimmed: no error, and every checkpoint the policy keeps reads back", async () => {
    const writers = Array.from({ length: 8 }, (_, w) => `writer-${w}`);
    // No TTL for them (a writer the loaded machine stalls past the TTL would lose its thread, as the policy says).
    for (const w of writers) await server.client.setRetention({ threadId: w, policy: { maxVersions: 5, ttl: { seconds: 0n } } });
    const steps = 40;
    const errors: unknown[] = [];
    await Promise.all(
      writers.map(async (w) => {
        for (let i = 0; i < steps; i++) {
          try {
            await writeSteps(server, w, i, 1);
          } catch (error) {
            errors.push(error);
          }
          if (i % 10 === 9) await sleep(intervalMs / 2);
        }
      }),
    );
    expect(errors).toEqual([]);
    // The sweeper trims them to 5 within a couple of passes; the 5 newest are all there.
    for (const w of writers) {
      await waitUntil(`${w} trimmed to 5`, async () => expect(await countOf(server, w)).toBe(5), { timeoutMs: 10 * intervalMs + 5_000 });
      for (let i = steps - 5; i < steps; i++) {
        const { tuple } = await server.client.getTuple({
          config: { threadId: w, checkpointNs: "", checkpointId: retentionCheckpointId(i) },
        });
        expect(tuple?.pendingWrites.length).toBe(1);
        expect(Object.keys(tuple!.checkpoint!.channelValues).sort()).toEqual(["a", "b", "c"]);
      }
    }
  }, 60_000);
});

describe("without --thread-ttl-refresh-on-read", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("pglite", undefined, {
      retention: { maxVersions: 0, maxAgeMs: 0, ttlMs, ttlStrategy: "delete", refreshOnRead: false },
      sweeper: { intervalMs, batch: 100 },
    });
  });
  afterAll(() => server.close());

  it("a read does not keep a thread", async () => {
    await writeSteps(server, "read", 0, 2);
    await waitUntil(
      "the read thread is deleted",
      async () => {
        await server.client.getTuple({ config: { threadId: "read", checkpointNs: "" } });
        expect(await countOf(server, "read")).toBe(0);
      },
      { timeoutMs: ttlMs + 10 * intervalMs, intervalMs: 100 },
    );
  }, 30_000);
});
