import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Checkpoint, CheckpointTuple } from "../domain/checkpoint.js";
import { openTestDatabase, testEngines } from "@checkpointd/test-support/server";
import type { PutCheckpointInput, Storage, TenantStorage } from "./checkpoint-storage.js";
import type { Database } from "./database-schema.js";
import type { NewEvent } from "../domain/thread-event.js";
import { createKyselyStorage } from "./kysely-storage.js";
import { DEFAULT_TENANT } from "../domain/call-identity.js";

const channels = ["a", "b", "c", "d", "e"];
const id = (step: number) => `1f0b0000-0000-6000-8000-${String(step).padStart(12, "0")}`;
const event = (text: string): NewEvent => ({ checkpointNs: "", kind: "checkpoint_saved", body: new TextEncoder().encode(text) });

/** 800 bytes of binary (not UTF-8) content, the same for the same thread, channel and version. */
const valueOf = (threadId: string, channel: string, version: bigint) => {
  const seed = createHash("sha256").update(`${threadId}/${channel}/${version}`).digest();
  return new Uint8Array(Array.from({ length: 800 }, (_, i) => seed[i % 32]! ^ (i % 251)));
};

/** Step `step` of a thread's history: every channel new at step 0, then channel step % 5 only. */
function putAt(threadId: string, step: number, metadata: PutCheckpointInput["metadata"] = { step }): PutCheckpointInput {
  // 1 + the steps 1..step that changed the channel.
  const bumps = (i: number) => (i === 0 ? Math.floor(step / 5) : step >= i ? Math.floor((step - i) / 5) + 1 : 0);
  const versions = Object.fromEntries(channels.map((c, i) => [c, BigInt(1 + bumps(i))]));
  const changed = step === 0 ? channels : [channels[step % 5]!];
  const checkpoint: Checkpoint = {
    v: 4,
    id: id(step),
    ts: new Date(Date.UTC(2026, 0, 1, 0, 0, step)).toISOString(),
    channelValues: Object.fromEntries(channels.map((c) => [c, { type: "bytes", data: valueOf(threadId, c, versions[c]!) }])),
    channelVersions: versions,
    versionsSeen: {},
    updatedChannels: changed,
    pendingSends: [],
    extra: {},
  };
  return {
    threadId,
    checkpointNs: "",
    parentCheckpointId: step === 0 ? undefined : id(step - 1),
    checkpoint,
    metadata,
    newVersions: Object.fromEntries(changed.map((c) => [c, versions[c]!])),
  };
}

/** A tuple with its values as hex, so that pg's Buffers and PGlite's Uint8Arrays compare byte for byte. */
const bytes = (tuple: CheckpointTuple | undefined) =>
  tuple && {
    ...tuple,
    checkpoint: {
      ...tuple.checkpoint,
      channelValues: Object.fromEntries(
        Object.entries(tuple.checkpoint.channelValues).map(([c, v]) => [c, { type: v.type, hex: Buffer.from(v.data).toString("hex") }]),
      ),
    },
  };
const expected = (put: PutCheckpointInput) =>
  bytes({
    key: { threadId: put.threadId, checkpointNs: "", checkpointId: put.checkpoint.id },
    checkpoint: put.checkpoint,
    metadata: put.metadata,
    parentCheckpointId: put.parentCheckpointId,
    pendingWrites: [],
  });

describe.each(testEngines)("grouped Puts on %s", (engine) => {
  let db: Kysely<Database>;
  let storage: Storage;
  let storages: TenantStorage;
  /**
   * Statements that succeeded (each group, each put alone, each chunk of a
   * large put): every query's result passes transformResult, whether Kysely
   * built the query or storage wrote its SQL (a failed one, BEGIN and COMMIT
   * do not). Only Puts run between a reset and the count.
   */
  let statements = 0;

  beforeAll(async () => {
    db = (await openTestDatabase(engine)).withPlugin({
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        statements++;
        return Promise.resolve(args.result);
      },
    });
    storages = createKyselyStorage({ db });
    storage = storages.forTenant(DEFAULT_TENANT);
  });
  beforeEach(() => {
    statements = 0;
  });
  afterAll(() => storages.close());

  const latest = (threadId: string) => storage.getTuple({ threadId, checkpointNs: "", checkpointId: undefined });
  const eventsOf = async (threadId: string) =>
    (await storage.readEvents(threadId, 0n, 1000)).map((e) => [Number(e.eventId), new TextDecoder().decode(e.body)] as const);

  it("writes 64 concurrent Puts to 64 threads as one statement, each read back byte for byte", async () => {
    const puts = Array.from({ length: 64 }, (_, i) => putAt(`wide-${String(i).padStart(2, "0")}`, 0));
    const keys = await Promise.all(puts.map((p) => storage.put(p, [event(`saved ${p.threadId}`)])));
    expect(statements).toBe(1);
    expect(keys).toEqual(puts.map((p) => ({ threadId: p.threadId, checkpointNs: "", checkpointId: id(0) })));
    for (const put of puts) {
      expect(bytes(await latest(put.threadId))).toEqual(expected(put));
      expect(await eventsOf(put.threadId)).toEqual([[1, `saved ${put.threadId}`]]);
    }
  });

  it("groups the same thread id of two tenants as two threads: one statement, each tenant its own checkpoint and events", async () => {
    const other = storages.forTenant("other-tenant");
    const mine = { ...putAt("both-tenants", 0), metadata: { owner: "default" } };
    const theirs = { ...putAt("both-tenants", 0), metadata: { owner: "other" } };
    await Promise.all([storage.put(mine, [event("mine")]), other.put(theirs, [event("theirs")])]);
    expect(statements).toBe(1);
    expect(bytes(await latest("both-tenants"))).toEqual(expected(mine));
    expect(bytes(await other.getTuple({ threadId: "both-tenants", checkpointNs: "", checkpointId: undefined }))).toEqual(expected(theirs));
    expect(await eventsOf("both-tenants")).toEqual([[1, "mine"]]);
    expect((await other.readEvents("both-tenants", 0n, 10)).map((e) => [Number(e.eventId), new TextDecoder().decode(e.body)])).toEqual([
      [1, "theirs"],
    ]);
  });

  it("cuts a flush into groups of at most 1,000 rows: 200 Puts of 8 rows are 2 statements", async () => {
    const puts = Array.from({ length: 200 }, (_, i) => putAt(`rows-${i}`, 0));
    await Promise.all(puts.map((p) => storage.put(p, [event("saved")])));
    expect(statements).toBe(2);
    expect(bytes(await latest("rows-199"))).toEqual(expected(puts[199]!));
  });

  it("spreads Puts of one thread over groups: events stay gapless per thread, every checkpoint is stored", async () => {
    const threads = ["same-a", "same-b", "same-c", "same-d"];
    const puts = threads.flatMap((t) => Array.from({ length: 6 }, (_, step) => putAt(t, step)));
    // Some Puts carry no event, some two: each thread's log still counts 1..n.
    const eventsFor = (p: PutCheckpointInput, i: number) =>
      i % 3 === 0
        ? []
        : i % 3 === 1
          ? [event(`${p.threadId}/${p.checkpoint.id}`)]
          : [event(`${p.threadId}/${p.checkpoint.id}`), event("x")];
    await Promise.all(puts.map((p, i) => storage.put(p, eventsFor(p, i))));
    // Six rounds (one per step), not one statement per Put.
    expect(statements).toBe(6);
    for (const t of threads) {
      const log = await eventsOf(t);
      const wanted = puts.flatMap((p, i) => (p.threadId === t ? eventsFor(p, i) : [])).map((e) => new TextDecoder().decode(e.body));
      expect(log.map(([eventId]) => eventId)).toEqual(wanted.map((_, i) => i + 1));
      expect(log.map(([, body]) => body).sort()).toEqual(wanted.sort());
      for (const put of puts.filter((p) => p.threadId === t)) {
        expect(bytes(await storage.getTuple({ threadId: t, checkpointNs: "", checkpointId: put.checkpoint.id }))).toEqual(expected(put));
      }
      expect((await latest(t))?.checkpoint.id).toBe(id(5));
    }
  });

  it("rejects only the bad Put of a group: jsonb refuses a NUL in metadata, the others are stored", async () => {
    const bad = putAt("bad", 0, { note: "nul \u0000 here" });
    // Alone, as before grouping: the database refuses it.
    await expect(storage.put(bad, [event("bad")])).rejects.toMatchObject({ code: "22P05" });
    statements = 0;
    const puts = Array.from({ length: 16 }, (_, i) => (i === 7 ? bad : putAt(`good-${i}`, 0)));
    const results = await Promise.allSettled(puts.map((p) => storage.put(p, [event(p.threadId)])));
    expect(results.map((r) => r.status)).toEqual(puts.map((p) => (p === bad ? "rejected" : "fulfilled")));
    expect(results[7]).toMatchObject({ status: "rejected", reason: { code: "22P05" } });
    // The group failed; each of its 16 Puts went alone, and the 15 good ones succeeded.
    expect(statements).toBe(15);
    for (const put of puts.filter((p) => p !== bad)) {
      expect(bytes(await latest(put.threadId))).toEqual(expected(put));
      expect(await eventsOf(put.threadId)).toEqual([[1, put.threadId]]);
    }
    expect(await latest("bad")).toBeUndefined();
    expect(await eventsOf("bad")).toEqual([]);
    const counter = await db.selectFrom("thread_event_counters").selectAll().where("thread_id", "=", "bad").execute();
    expect(counter).toEqual([]);
  });

  it("takes idempotent re-Puts in a flush: the same checkpoint twice, and one already stored in a group of new ones", async () => {
    const first = putAt("again", 0);
    await storage.put(first, [event("1")]);
    statements = 0;
    const news = Array.from({ length: 5 }, (_, i) => putAt(`again-${i}`, 0));
    const twice = putAt("twice", 0);
    const keys = await Promise.all([
      ...news.map((p) => storage.put(p, [event("new")])),
      storage.put(first, [event("2")]),
      storage.put(twice, [event("1")]),
      storage.put(twice, [event("2")]),
    ]);
    // One group of the five new Puts, "again" and the first "twice"; the second "twice" in the next.
    expect(statements).toBe(2);
    expect(keys.at(-3)).toEqual({ threadId: "again", checkpointNs: "", checkpointId: id(0) });
    expect(keys.at(-1)).toEqual({ threadId: "twice", checkpointNs: "", checkpointId: id(0) });
    // The checkpoint and its blobs are stored once, and so is its event: a re-Put changes no row.
    for (const t of ["again", "twice"]) {
      expect((await eventsOf(t)).map(([eventId]) => eventId)).toEqual([1]);
      const rows = async (table: "checkpoints" | "checkpoint_blobs") =>
        (await db.selectFrom(table).select("thread_id").where("thread_id", "=", t).execute()).length;
      expect([await rows("checkpoints"), await rows("checkpoint_blobs")]).toEqual([1, 5]);
    }
    expect(bytes(await latest("again"))).toEqual(expected(first));
    expect(bytes(await latest("twice"))).toEqual(expected(twice));
  });

  it("writes a Put of 1,500 new versions alone, in chunks, next to grouped small Puts", async () => {
    const wide = Array.from({ length: 1500 }, (_, i) => `ch${i}`);
    const base = putAt("large", 0);
    const large: PutCheckpointInput = {
      ...base,
      checkpoint: {
        ...base.checkpoint,
        channelValues: Object.fromEntries(wide.map((c) => [c, { type: "bytes", data: new Uint8Array(randomBytes(16)) }])),
        channelVersions: Object.fromEntries(wide.map((c) => [c, 1n])),
      },
      newVersions: Object.fromEntries(wide.map((c) => [c, 1n])),
    };
    const small = Array.from({ length: 10 }, (_, i) => putAt(`beside-${i}`, 0));
    await Promise.all([storage.put(large, [event("large")]), ...small.map((p) => storage.put(p, [event("small")]))]);
    // Two chunks of blobs, then the checkpoint with its counter and event, for the large one; one group for the rest.
    expect(statements).toBe(3 + 1);
    expect(bytes(await latest("large"))).toEqual(expected(large));
    expect(await eventsOf("large")).toEqual([[1, "large"]]);
    for (const put of small) expect(bytes(await latest(put.threadId))).toEqual(expected(put));
  });

  it("groups Puts without events, alone and with Puts that have some", async () => {
    const puts = Array.from({ length: 8 }, (_, i) => putAt(`quiet-${i}`, 0));
    await Promise.all(puts.map((p) => storage.put(p)));
    expect(statements).toBe(1);
    const next = puts.map((p) => putAt(p.threadId, 1));
    await Promise.all(next.map((p, i) => storage.put(p, i % 2 === 0 ? [] : [event("odd")])));
    expect(statements).toBe(2);
    for (const [i, put] of next.entries()) {
      expect(bytes(await latest(put.threadId))).toEqual(expected(put));
      expect(await eventsOf(put.threadId)).toEqual(i % 2 === 0 ? [] : [[1, "odd"]]);
    }
  });
});
