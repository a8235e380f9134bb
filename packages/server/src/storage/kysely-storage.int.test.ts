import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Kysely } from "kysely";
import type { Checkpoint } from "../domain/checkpoint.js";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import type { Storage, TenantStorage } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import { createKyselyStorage } from "./kysely-storage.js";
import { DEFAULT_TENANT } from "../domain/call-identity.js";

const channels = ["a", "b", "c", "d", "e"];
const id = (step: number) => `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`;

/** Step n changes channel n % 5 only, as a LangGraph step that writes one channel does. */
function checkpointAt(step: number, versions: Record<string, bigint>): Checkpoint {
  return {
    v: 4,
    id: id(step),
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, step)).toISOString(),
    channelValues: Object.fromEntries(channels.map((c) => [c, { type: "json", data: new TextEncoder().encode(`${c}@${versions[c]}`) }])),
    channelVersions: { ...versions },
    versionsSeen: {},
    updatedChannels: [],
    pendingSends: [],
    extra: {},
  };
}

async function writeHistory(storage: CheckpointStorage, threadId: string, steps: number) {
  const versions: Record<string, bigint> = Object.fromEntries(channels.map((c) => [c, 1n]));
  for (let step = 0; step < steps; step++) {
    const changed = step === 0 ? channels : [channels[step % 5]!];
    if (step > 0) versions[changed[0]!] = versions[changed[0]!]! + 1n;
    await storage.put({
      threadId,
      checkpointNs: "",
      parentCheckpointId: step === 0 ? undefined : id(step - 1),
      checkpoint: checkpointAt(step, versions),
      metadata: { step },
      newVersions: Object.fromEntries(changed.map((c) => [c, versions[c]!])),
    });
  }
}

describe.each(testEngines)("Kysely storage on %s", (engine) => {
  let db: Kysely<Database>;
  let storage: Storage;
  let storages: TenantStorage;
  let queries: string[];

  beforeAll(async () => {
    db = (await openTestDatabase(engine)).withPlugin({
      transformQuery: (args) => {
        queries.push(args.node.kind);
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    });
    queries = [];
    storages = createKyselyStorage({ db, listPageSize: 10 });
    storage = storages.forTenant(DEFAULT_TENANT);
  });
  afterAll(() => storages.close());

  it("stores each channel value once per version: 100 steps, 5 channels, 5 + 99 blob rows", async () => {
    await writeHistory(storage, "dedup", 100);
    const count = async (table: "checkpoints" | "checkpoint_blobs") =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .where("thread_id", "=", "dedup")
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count("checkpoints")).toBe(100);
    expect(await count("checkpoint_blobs")).toBe(5 + 99);

    // Every checkpoint still reads back with all five values at its own versions.
    const latest = await storage.getTuple({ threadId: "dedup", checkpointNs: "", checkpointId: undefined });
    expect(latest?.checkpoint.id).toBe(id(99));
    const decoded = Object.fromEntries(
      Object.entries(latest!.checkpoint.channelValues).map(([c, v]) => [c, new TextDecoder().decode(v.data)]),
    );
    expect(decoded).toEqual({ a: "a@20", b: "b@21", c: "c@21", d: "d@21", e: "e@21" });
    const early = await storage.getTuple({ threadId: "dedup", checkpointNs: "", checkpointId: id(3) });
    expect(new TextDecoder().decode(early!.checkpoint.channelValues.d!.data)).toBe("d@2");
    expect(new TextDecoder().decode(early!.checkpoint.channelValues.e!.data)).toBe("e@1");
  });

  it("takes a Put of 12,000 new versions and a PutWrites of 10,000 writes: past one statement's 65,535 parameters", async () => {
    const wide = Array.from({ length: 12_000 }, (_, i) => `ch${i}`);
    const bytes = (text: string) => new TextEncoder().encode(text);
    const checkpoint: Checkpoint = {
      ...checkpointAt(0, {}),
      channelValues: Object.fromEntries(wide.map((c) => [c, { type: "json", data: bytes(`"${c}"`) }])),
      channelVersions: Object.fromEntries(wide.map((c) => [c, 1n])),
    };
    const newVersions = Object.fromEntries(wide.map((c) => [c, 1n]));
    await storage.put({ threadId: "wide", checkpointNs: "", parentCheckpointId: undefined, checkpoint, metadata: {}, newVersions });
    const key = { threadId: "wide", checkpointNs: "", checkpointId: checkpoint.id };
    const writes = Array.from({ length: 10_000 }, (_, i) => ({ channel: `ch${i}`, value: { type: "json", data: bytes(String(i)) } }));
    await storage.putWrites({ key, taskId: "t", taskPath: "", writes });
    // A retry of the same batch is still insert-if-absent: no duplicates, first values kept.
    await storage.putWrites({
      key,
      taskId: "t",
      taskPath: "",
      writes: writes.map((w) => ({ ...w, value: { type: "json", data: bytes("x") } })),
    });

    const tuple = await storage.getTuple({ threadId: "wide", checkpointNs: "", checkpointId: undefined });
    expect(Object.keys(tuple!.checkpoint.channelValues)).toHaveLength(12_000);
    expect(new TextDecoder().decode(tuple!.checkpoint.channelValues.ch11999!.data)).toBe('"ch11999"');
    expect(tuple!.pendingWrites).toHaveLength(10_000);
    expect(tuple!.pendingWrites.map((w) => new TextDecoder().decode(w.value.data))).toEqual(writes.map((_, i) => String(i)));
  });

  it("streams List page by page: reading the first tuple runs one page of queries, not the whole history", async () => {
    queries = [];
    const iterator = storage
      .list({
        threadId: "dedup",
        checkpointNs: "",
        checkpointId: undefined,
        filter: undefined,
        beforeCheckpointId: undefined,
        limit: undefined,
      })
      [Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.checkpoint.id).toBe(id(99));
    // One page = the checkpoints query, the blobs query and the writes query.
    expect(queries).toHaveLength(3);
    await iterator.return?.();

    queries = [];
    let seen = 0;
    let previous = "~";
    for await (const tuple of storage.list({
      threadId: "dedup",
      checkpointNs: undefined,
      checkpointId: undefined,
      filter: undefined,
      beforeCheckpointId: undefined,
      limit: undefined,
    })) {
      expect(tuple.checkpoint.id < previous).toBe(true);
      expect(Object.keys(tuple.checkpoint.channelValues)).toHaveLength(5);
      previous = tuple.checkpoint.id;
      seen++;
    }
    expect(seen).toBe(100);
    // 10 full pages and a last empty one, 3 queries a full page: bounded batches, no N+1.
    expect(queries.length).toBeLessThanOrEqual(11 * 3);
  });

  it("reads a tuple in one statement: values of string, integer and float versions, writes in (task_path, task_id, idx) order", async () => {
    const threadId = "one-statement";
    const versions = { s: "00000000000000000000000000000002.0.5", big: 2n ** 70n, small: 7n, f: 1.5 };
    const value = (c: string) => ({ type: "json", data: new TextEncoder().encode(`${c}!`) });
    const checkpoint: Checkpoint = {
      ...checkpointAt(1, {}),
      channelValues: Object.fromEntries(Object.keys(versions).map((c) => [c, value(c)])),
      channelVersions: versions,
    };
    await storage.put({ threadId, checkpointNs: "", checkpoint, metadata: { step: 1 }, newVersions: versions });
    const key = { threadId, checkpointNs: "", checkpointId: checkpoint.id };
    const write = (channel: string) => ({ channel, value: value(channel) });
    await storage.putWrites({ key, taskId: "t2", taskPath: "b", writes: [write("x"), write("y")] });
    await storage.putWrites({ key, taskId: "t1", taskPath: "b", writes: [write("z")] });
    await storage.putWrites({ key, taskId: "t9", taskPath: "a", writes: [write("w")] });
    for (const query of [{ threadId, checkpointNs: "" }, { ...key }]) {
      queries = [];
      const tuple = await storage.getTuple(query);
      expect(queries).toHaveLength(1);
      expect(tuple?.checkpoint.channelVersions).toEqual(versions);
      expect(tuple?.checkpoint.channelValues).toEqual(checkpoint.channelValues);
      expect(tuple?.metadata).toEqual({ step: 1 });
      expect(tuple?.pendingWrites.map((w) => [w.taskPath, w.taskId, w.channel])).toEqual([
        ["a", "t9", "w"],
        ["b", "t1", "z"],
        ["b", "t2", "x"],
        ["b", "t2", "y"],
      ]);
    }
    expect(await storage.getTuple({ threadId, checkpointNs: "", checkpointId: id(2) })).toBeUndefined();
    expect(await storage.getTuple({ threadId: "no-such-thread", checkpointNs: "" })).toBeUndefined();
  });

  it("stops fetching when the consumer's signal aborts", async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const tuple of storage.list(
        {
          threadId: "dedup",
          checkpointNs: "",
          checkpointId: undefined,
          filter: undefined,
          beforeCheckpointId: undefined,
          limit: undefined,
        },
        controller.signal,
      )) {
        seen.push(tuple.checkpoint.id);
        if (seen.length === 15) controller.abort();
      }
    })();
    await expect(run).rejects.toThrow();
    expect(seen).toHaveLength(20); // the page in hand is finished, no further page is fetched
  });
});
