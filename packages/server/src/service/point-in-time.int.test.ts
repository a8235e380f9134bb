import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { startTestServer, type TestEngine, testEngines, type TestServer } from "@checkpointd/test-support/server";
import { sql } from "kysely";
import type { CheckpointCache } from "../cache/checkpoint-cache.js";
import { createMemoryCache } from "../cache/memory-cache.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return { code: (error as ConnectError).code, message: (error as ConnectError).rawMessage };
}

const t0 = Date.parse("2026-03-01T10:00:00.000Z");
const id = (n: number) => `1f0b0000-0000-6000-8000-${String(n).padStart(12, "0")}`;
/**
 * Checkpoints at known times in the formats LangGraph writes: Python's isoformat with
 * microseconds and +00:00, JS's toISOString, another offset; and one ts no time parser takes.
 */
const history = [
  { id: id(1), ts: "2026-03-01T10:00:00.000001+00:00" },
  { id: id(2), ts: new Date(t0 + 10_000).toISOString() },
  { id: id(3), ts: "2026-03-01T12:00:20+02:00" }, // 10:00:20Z
  { id: id(4), ts: "not a time" },
  { id: id(5), ts: "2026-03-01T10:00:30.5Z" },
];

const variants: [TestEngine, "none" | "memory"][] = [...testEngines.map((e): [TestEngine, "none"] => [e, "none"]), ["pglite", "memory"]];

describe.each(variants)("point-in-time reads on %s, cache: %s", (engine, cacheKind) => {
  let server: TestServer;
  const threadId = "pit-thread";
  const at = (ms: number, nanos = 0) => ({ ...timestampFromMs(ms), nanos: (ms % 1000) * 1_000_000 + nanos });
  const getAt = async (asOf: ReturnType<typeof at>, checkpointNs = "") =>
    (await server.client.getTuple({ config: { threadId, checkpointNs }, asOf })).tuple?.config?.checkpointId;

  beforeAll(async () => {
    const cache: CheckpointCache | undefined = cacheKind === "memory" ? createMemoryCache() : undefined;
    server = await startTestServer(engine, undefined, cache === undefined ? {} : { cache });
    let parent = "";
    for (const c of history) {
      const version = { n: { kind: { case: "intValue" as const, value: BigInt(c.id.at(-1)!) } } };
      await server.client.put({
        config: { threadId, checkpointNs: "", checkpointId: parent },
        checkpoint: {
          v: 4,
          id: c.id,
          ts: c.ts,
          channelValues: { n: { type: "json", data: new TextEncoder().encode(c.id) } },
          channelVersions: version,
        },
        newVersions: version,
      });
      parent = c.id;
    }
    // Another namespace at a time that would win in the default one.
    await server.client.put({
      config: { threadId, checkpointNs: "sub" },
      checkpoint: { v: 4, id: id(9), ts: new Date(t0 + 12_000).toISOString() },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("returns the latest checkpoint at or before as_of, and none before the first", async () => {
    expect(await getAt(at(t0 + 15_000))).toBe(id(2)); // between 2 (10 s) and 3 (20 s): the earlier
    expect(await getAt(at(t0 + 10_000))).toBe(id(2)); // at exactly its ts: inclusive
    expect(await getAt(at(t0 + 9_999))).toBe(id(1));
    expect(await getAt(at(t0 + 20_000))).toBe(id(3)); // +02:00 compares as the instant it names
    expect(await getAt(at(t0 + 60_000))).toBe(id(5)); // id 4's ts is no time: never found by time
    expect(await getAt(at(t0 - 1))).toBeUndefined(); // before the first
    // Microseconds count; finer digits of as_of are dropped (1.999 µs is 1 µs, which id 1's ts is).
    expect(await getAt(at(t0, 999))).toBeUndefined();
    expect(await getAt(at(t0, 1_999))).toBe(id(1));
    expect(await getAt(at(t0 + 15_000), "sub")).toBe(id(9)); // each namespace has its own latest
    expect(await getAt(at(t0 + 11_000), "sub")).toBeUndefined();
    expect(await getAt(at(t0 + 15_000), "nothing")).toBeUndefined();
  });

  it("returns the whole tuple, as a read by id does", async () => {
    await server.client.putWrites({
      config: { threadId, checkpointId: id(2) },
      taskId: "task",
      writes: [{ channel: "n", value: { type: "json", data: new Uint8Array([1, 2]) } }],
    });
    const byTime = (await server.client.getTuple({ config: { threadId }, asOf: at(t0 + 15_000) })).tuple;
    const byId = (await server.client.getTuple({ config: { threadId, checkpointId: id(2) } })).tuple;
    expect(byTime).toEqual(byId);
    expect(byTime?.pendingWrites.map((w) => w.channel)).toEqual(["n"]);
    expect(new TextDecoder().decode(byTime!.checkpoint!.channelValues["n"]!.data)).toBe(id(2));
  });

  it("is never answered from the cache's latest entry", async () => {
    // Reading the latest (twice: behind a cache the second is a hit) must not make as_of see it.
    for (let pass = 0; pass < 2; pass++)
      expect((await server.client.getTuple({ config: { threadId } })).tuple?.config?.checkpointId).toBe(id(5));
    expect(await getAt(at(t0 + 15_000))).toBe(id(2));
    // A checkpoint written after the cache filled is found by time at once.
    await server.client.put({
      config: { threadId, checkpointId: id(5) },
      checkpoint: { v: 4, id: id(6), ts: new Date(t0 + 40_000).toISOString() },
    });
    expect(await getAt(at(t0 + 45_000))).toBe(id(6));
  });

  it("refuses as_of with checkpoint_id, and times out of range", async () => {
    const both = await codeOf(server.client.getTuple({ config: { threadId, checkpointId: id(2) }, asOf: at(t0) }));
    expect(both.code).toBe(Code.InvalidArgument);
    expect(both.message).toMatch(/as_of and config.checkpoint_id/);
    const badNanos = await codeOf(server.client.getTuple({ config: { threadId }, asOf: { seconds: 0n, nanos: 2_000_000_000 } }));
    expect(badNanos.code).toBe(Code.InvalidArgument);
    expect(badNanos.message).toMatch(/^as_of must be/);
    const tooLate = await codeOf(collect(server.client.list({ config: { threadId }, beforeTs: { seconds: 300_000_000_000n, nanos: 0 } })));
    expect(tooLate.code).toBe(Code.InvalidArgument);
    expect(tooLate.message).toMatch(/^before_ts must be/);
  });

  it("lists a time range, both bounds exclusive, newest first", async () => {
    const ids = async (range: { afterTs?: ReturnType<typeof at>; beforeTs?: ReturnType<typeof at>; limit?: number }) =>
      (await collect(server.client.list({ config: { threadId, checkpointNs: "" }, ...range }))).map((r) => r.tuple!.config!.checkpointId);
    expect(await ids({ afterTs: at(t0 + 10_000), beforeTs: at(t0 + 30_500) })).toEqual([id(3)]);
    expect(await ids({ afterTs: at(t0 + 9_999), beforeTs: at(t0 + 30_501) })).toEqual([id(5), id(3), id(2)]);
    expect(await ids({ afterTs: at(t0 + 20_000) })).toEqual([id(6), id(5)]);
    expect(await ids({ beforeTs: at(t0 + 10_000) })).toEqual([id(1)]);
    expect(await ids({ afterTs: at(t0 - 1), limit: 2 })).toEqual([id(6), id(5)]);
    // Every thread and namespace: the range applies to each.
    const all = await collect(server.client.list({ afterTs: at(t0 + 11_000), beforeTs: at(t0 + 13_000) }));
    expect(all.map((r: { tuple?: CheckpointTuple }) => r.tuple!.config!.checkpointId)).toEqual([id(9)]);
  });

  it("answers from what is kept: a deleted range gives the latest kept before it, or none", async () => {
    const thread = "pit-swept";
    const put = (n: number, parent: string, runId: string) =>
      server.client.put({
        config: { threadId: thread, checkpointId: parent },
        checkpoint: { v: 4, id: id(n), ts: new Date(t0 + n * 10_000).toISOString() },
        metadata: { run_id: runId },
      });
    await put(1, "", "keep");
    await put(2, id(1), "drop");
    await put(3, id(2), "drop");
    await put(4, id(3), "keep");
    const asOf = async (n: number) =>
      (await server.client.getTuple({ config: { threadId: thread }, asOf: at(t0 + n * 10_000 + 5_000) })).tuple?.config?.checkpointId;
    expect(await asOf(3)).toBe(id(3));
    // The checkpoints of the middle were deleted: a time in that range reads the latest kept before it.
    expect((await server.client.deleteForRuns({ runIds: ["drop"] })).deleted).toBe(2n);
    expect(await asOf(2)).toBe(id(1));
    expect(await asOf(3)).toBe(id(1));
    expect(await asOf(4)).toBe(id(4));
    // Only the latest kept: any time before its ts reads none.
    await server.client.prune({ threadIds: [thread] });
    expect(await asOf(3)).toBeUndefined();
    expect(await asOf(4)).toBe(id(4));
  });

  it("finds the checkpoint with one step of checkpoints_ts_idx", async () => {
    // A long thread, so that the planner prefers an index to a scan.
    const storedCheckpoint = JSON.stringify({
      v: 4,
      ts: "",
      channel_versions: {},
      versions_seen: {},
      updated_channels: [],
      pending_sends: [],
      extra: {},
    });
    await sql`insert into checkpoints (tenant, thread_id, checkpoint_ns, checkpoint_id, checkpoint, metadata, ts)
      select 'default', 'pit-long-' || (i % 20), '', lpad(i::text, 8, '0'), ${storedCheckpoint}::jsonb, '{}'::jsonb,
        timestamptz '2026-01-01' + i * interval '1 second'
      from generate_series(1, 20000) as i`.execute(server.db);
    await sql`analyze checkpoints`.execute(server.db);
    const { rows } = await sql<{ "QUERY PLAN": string }>`explain
      select checkpoint_id from checkpoints
      where tenant = 'default' and thread_id = 'pit-long-3' and checkpoint_ns = '' and ts <= timestamptz '2026-01-01 02:00:00+00'
      order by ts desc, checkpoint_id desc limit 1`.execute(server.db);
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).toMatch(/Index (Only )?Scan Backward using checkpoints_ts_idx/);
    expect(plan).not.toMatch(/Sort/);
    const found = await server.client.getTuple({ config: { threadId: "pit-long-3" }, asOf: at(Date.parse("2026-01-01T02:00:00Z")) });
    expect(found.tuple?.config?.checkpointId).toBe(String(7183).padStart(8, "0"));
  });
});
