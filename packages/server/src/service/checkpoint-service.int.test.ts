import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { create, equals, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CheckpointTupleSchema, type CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { PruneStrategy, PutWritesRequestSchema } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { type RedisInstance, sampleHistory, type SampleStep, startRedis, waitUntil } from "@checkpointd/test-support";
import { pino } from "pino";
import type { CheckpointCache } from "../cache/checkpoint-cache.js";
import { createMemoryCache } from "../cache/memory-cache.js";
import { DEFAULT_TENANT as T } from "../domain/call-identity.js";
import { createRedisCache } from "../cache/redis-cache.js";
import { startTestServer, type TestEngine, testEngines, type TestServer } from "@checkpointd/test-support/server";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function expectTuple(actual: CheckpointTuple | undefined, expected: CheckpointTuple) {
  expect(actual).toBeDefined();
  // equals() compares every field, bytes included, byte for byte; toJson makes a failure readable.
  if (!equals(CheckpointTupleSchema, actual!, expected)) {
    expect(toJson(CheckpointTupleSchema, actual!)).toEqual(toJson(CheckpointTupleSchema, expected));
  }
  expect(equals(CheckpointTupleSchema, actual!, expected)).toBe(true);
}

async function saveHistory(server: TestServer, steps: SampleStep[]) {
  for (const step of steps) {
    const { config } = await server.client.put(step.put);
    expect(config?.checkpointId).toBe(step.put.checkpoint!.id);
    for (const writes of step.writes) await server.client.putWrites(writes);
  }
}

async function expectCode(promise: Promise<unknown>, code: Code, text: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code).toBe(code);
  expect((error as ConnectError).rawMessage).toMatch(text);
}

// Each engine bare, and each behind the cache its deployments use: the same answers either way.
const variants: [TestEngine, "none" | "memory" | "redis"][] = [
  ...testEngines.map((e): [TestEngine, "none"] => [e, "none"]),
  ["pglite", "memory"],
  ["postgres", "redis"],
];

describe.each(variants)("CheckpointService over gRPC on %s, cache: %s", (engine, cacheKind) => {
  let server: TestServer;
  const steps = sampleHistory("thread-a");
  const ns = steps[0]!.put.config!.checkpointNs!;

  let redis: RedisInstance | undefined;
  beforeAll(async () => {
    let cache: CheckpointCache | undefined;
    if (cacheKind === "memory") cache = createMemoryCache();
    if (cacheKind === "redis") {
      redis = await startRedis();
      cache = createRedisCache({ url: redis.url, logger: pino({ level: "silent" }) });
      const ready = cache;
      await waitUntil("redis cache", async () => expect((await ready.read(T, "probe", "", undefined)).token).toBeDefined());
    }
    server = await startTestServer(engine, undefined, cache === undefined ? {} : { cache });
    await saveHistory(server, steps);
    // A second thread in the default namespace, for all-thread listing.
    await saveHistory(server, sampleHistory("thread-b", ""));
  });
  afterAll(async () => {
    await server.close();
    await redis?.stop();
  });

  it("round-trips every checkpoint by id, byte for byte", async () => {
    // Twice: behind a cache the first read fills it and the second is a hit.
    for (let pass = 0; pass < 2; pass++) {
      for (const step of steps) {
        const { tuple } = await server.client.getTuple({
          config: { threadId: "thread-a", checkpointNs: ns, checkpointId: step.put.checkpoint!.id },
        });
        expectTuple(tuple, step.expected);
      }
    }
  });

  it("returns the greatest id as the latest", async () => {
    for (let pass = 0; pass < 2; pass++) {
      const { tuple } = await server.client.getTuple({ config: { threadId: "thread-a", checkpointNs: ns } });
      expectTuple(tuple, steps[2]!.expected);
    }
  });

  it("answers an unknown thread, namespace or id with an empty result", async () => {
    expect((await server.client.getTuple({ config: { threadId: "nobody" } })).tuple).toBeUndefined();
    expect((await server.client.getTuple({ config: { threadId: "thread-a" } })).tuple).toBeUndefined();
    expect(
      (await server.client.getTuple({ config: { threadId: "thread-a", checkpointNs: ns, checkpointId: "zzz" } })).tuple,
    ).toBeUndefined();
    expect(await collect(server.client.list({ config: { threadId: "nobody" } }))).toEqual([]);
  });

  it("lists newest first, with filter, before, limit and exact id", async () => {
    const ids = (responses: { tuple?: CheckpointTuple | undefined }[]) => responses.map((r) => r.tuple!.config!.checkpointId);
    const all = await collect(server.client.list({ config: { threadId: "thread-a", checkpointNs: ns } }));
    expect(ids(all)).toEqual(steps.map((s) => s.put.checkpoint!.id).reverse());
    all.forEach((r, i) => expectTuple(r.tuple, steps[2 - i]!.expected));

    const filtered = await collect(server.client.list({ config: { threadId: "thread-a" }, filter: { run_id: "run-1", source: "input" } }));
    expect(ids(filtered)).toEqual([steps[0]!.put.checkpoint!.id]);
    const nested = await collect(server.client.list({ config: { threadId: "thread-a" }, filter: { writes: { agent: { ok: true } } } }));
    expect(ids(nested)).toEqual([steps[2]!.put.checkpoint!.id]);

    const before = await collect(
      server.client.list({ config: { threadId: "thread-a" }, before: { checkpointId: steps[2]!.put.checkpoint!.id } }),
    );
    expect(ids(before)).toEqual([steps[1]!.put.checkpoint!.id, steps[0]!.put.checkpoint!.id]);
    const limited = await collect(server.client.list({ config: { threadId: "thread-a" }, limit: 2 }));
    expect(ids(limited)).toEqual([steps[2]!.put.checkpoint!.id, steps[1]!.put.checkpoint!.id]);
    expect(await collect(server.client.list({ config: { threadId: "thread-a" }, limit: 0 }))).toEqual([]);
    const exact = await collect(
      server.client.list({ config: { threadId: "thread-a", checkpointNs: ns, checkpointId: steps[1]!.put.checkpoint!.id } }),
    );
    expect(ids(exact)).toEqual([steps[1]!.put.checkpoint!.id]);
    expect(await collect(server.client.list({ config: { threadId: "thread-a", checkpointNs: "other" } }))).toEqual([]);
  });

  it("lists every thread when no thread_id is given", async () => {
    const all = await collect(server.client.list({}));
    expect(all.map((r) => `${r.tuple!.config!.threadId}/${r.tuple!.config!.checkpointId}`)).toEqual(
      // Newest first; ties on the id go to the greater thread_id.
      steps.flatMap((s) => [`thread-a/${s.put.checkpoint!.id}`, `thread-b/${s.put.checkpoint!.id}`]).reverse(),
    );
    const runTwo = await collect(server.client.list({ filter: { run_id: "run-2" }, limit: 1 }));
    expect(runTwo).toHaveLength(1);
    expect(runTwo[0]!.tuple!.metadata).toEqual({
      source: "loop",
      step: 1,
      run_id: "run-2",
      parents: {},
      writes: { agent: { ok: true, n: [1, 2.5, "x", null] } },
    });
  });

  it("keeps a retried PutWrites idempotent and lets special channels overwrite", async () => {
    const threadId = `writes-${engine}`;
    const history = sampleHistory(threadId, "");
    await server.client.put(history[0]!.put);
    const config = { threadId, checkpointNs: "", checkpointId: history[0]!.put.checkpoint!.id };
    const first = create(PutWritesRequestSchema, {
      config,
      taskId: "t1",
      writes: [
        { channel: "a", value: { type: "json", data: new Uint8Array([1]) } },
        { channel: "__interrupt__", value: { type: "json", data: new Uint8Array([2]) } },
      ],
    });
    await server.client.putWrites(first);
    await server.client.putWrites(first);
    // A retry whose ordinary value changed keeps the first value; the special channel takes the new one.
    await server.client.putWrites({
      config,
      taskId: "t1",
      writes: [
        { channel: "a", value: { type: "json", data: new Uint8Array([9]) } },
        { channel: "__interrupt__", value: { type: "json", data: new Uint8Array([8]) } },
      ],
    });
    const { tuple } = await server.client.getTuple({ config });
    expect(tuple!.pendingWrites.map((w) => [w.channel, [...w.value!.data]])).toEqual([
      ["__interrupt__", [8]],
      ["a", [1]],
    ]);
    const rows = await server.db.selectFrom("checkpoint_writes").select(["idx"]).where("thread_id", "=", threadId).orderBy("idx").execute();
    expect(rows.map((r) => r.idx)).toEqual([-3, 0]);
  });

  it("keeps Put idempotent for the same id", async () => {
    const threadId = `idem-${engine}`;
    const [step] = sampleHistory(threadId, "");
    await server.client.put(step!.put);
    await server.client.put(step!.put);
    const list = await collect(server.client.list({ config: { threadId } }));
    expect(list).toHaveLength(1);
    expectTuple(list[0]!.tuple, step!.expected);
  });

  it("copies, prunes, deletes for runs and deletes threads", async () => {
    const source = `copy-src-${engine}`;
    await saveHistory(server, sampleHistory(source));
    await server.client.copyThread({ sourceThreadId: source, targetThreadId: `copy-dst-${engine}` });
    const copied = await collect(server.client.list({ config: { threadId: `copy-dst-${engine}` } }));
    const expected = sampleHistory(`copy-dst-${engine}`)
      .map((s) => s.expected)
      .reverse();
    expect(copied).toHaveLength(3);
    copied.forEach((r, i) => expectTuple(r.tuple, expected[i]!));

    await server.client.prune({ threadIds: [`copy-dst-${engine}`], strategy: PruneStrategy.KEEP_LATEST });
    const pruned = await collect(server.client.list({ config: { threadId: `copy-dst-${engine}` } }));
    expect(pruned).toHaveLength(1);
    expectTuple(pruned[0]!.tuple, expected[0]!);
    const blobs = await server.db
      .selectFrom("checkpoint_blobs")
      .select(["channel", "version"])
      .where("thread_id", "=", `copy-dst-${engine}`)
      .execute();
    // Only the versions the latest checkpoint references survive (and its version without a value has no row).
    expect(blobs).toHaveLength(4);

    const { deleted } = await server.client.deleteForRuns({ runIds: ["run-1"] });
    expect(deleted).toBeGreaterThanOrEqual(2n);
    const afterRuns = await collect(server.client.list({ config: { threadId: source } }));
    expect(afterRuns.map((r) => r.tuple!.metadata!.run_id)).toEqual(["run-2"]);
    expectTuple(afterRuns[0]!.tuple, sampleHistory(source)[2]!.expected);

    await server.client.deleteThread({ threadId: source });
    expect(await collect(server.client.list({ config: { threadId: source } }))).toEqual([]);
    for (const table of ["checkpoints", "checkpoint_blobs", "checkpoint_writes"] as const) {
      const rows = await server.db.selectFrom(table).select("thread_id").where("thread_id", "=", source).execute();
      expect(rows).toEqual([]);
    }
    await server.client.prune({ threadIds: [`copy-dst-${engine}`], strategy: PruneStrategy.DELETE });
    expect(await collect(server.client.list({ config: { threadId: `copy-dst-${engine}` } }))).toEqual([]);
  });

  it("rejects bad input with INVALID_ARGUMENT naming the field", async () => {
    await expectCode(server.client.getTuple({}), Code.InvalidArgument, /config\.thread_id is required/);
    await expectCode(server.client.getTuple({ config: { checkpointId: "x" } }), Code.InvalidArgument, /config\.thread_id is required/);
    await expectCode(server.client.put({ config: { threadId: "t" } }), Code.InvalidArgument, /checkpoint is required/);
    await expectCode(server.client.put({ config: { threadId: "t" }, checkpoint: {} }), Code.InvalidArgument, /checkpoint\.id is required/);
    await expectCode(
      server.client.put({ config: { threadId: "t" }, checkpoint: { id: "1", channelVersions: { a: {} } } }),
      Code.InvalidArgument,
      /checkpoint\.channel_versions\["a"\] has no value/,
    );
    await expectCode(
      server.client.putWrites({ config: { threadId: "t" }, taskId: "x", writes: [] }),
      Code.InvalidArgument,
      /config\.checkpoint_id is required/,
    );
    await expectCode(
      server.client.putWrites({ config: { threadId: "t", checkpointId: "c" }, writes: [] }),
      Code.InvalidArgument,
      /task_id is required/,
    );
    await expectCode(server.client.deleteThread({}), Code.InvalidArgument, /thread_id is required/);
    await expectCode(server.client.copyThread({ sourceThreadId: "a", targetThreadId: "a" }), Code.InvalidArgument, /must differ/);
    await expectCode(collect(server.client.list({ limit: -1 })), Code.InvalidArgument, /limit must not be negative/);
    await expectCode(
      server.client.put({ config: { threadId: "t\u0000x" }, checkpoint: { id: "1" } }),
      Code.InvalidArgument,
      /rejected the input/,
    );
    // Nothing half-written by the rejected calls.
    const rows = await server.db.selectFrom("checkpoints").select("thread_id").where("thread_id", "=", "t").execute();
    expect(rows).toEqual([]);
  });
});
