import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { equals, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { CheckpointTupleSchema, type CheckpointTuple } from "@checkpointd/proto/checkpointd/v1/checkpoint_pb.js";
import { TtlStrategy } from "@checkpointd/proto/checkpointd/v1/checkpoint_service_pb.js";
import { openWatch, retentionCheckpointId, retentionStep } from "@checkpointd/test-support";
import { startTestServer, testEngines, type TestServer } from "@checkpointd/test-support/server";
import { sql } from "kysely";
import { createMemoryCache } from "../cache/memory-cache.js";
import { versionKeySql } from "../storage/checkpoint-codec.js";

/**
 * The sweeper against a model. Scaled down from the issue's 1,000 threads x
 * 100 checkpoints to 60 x 40 (x 1.5 namespaces: 3,600 checkpoints and as many
 * writes per engine), seeded over the wire, so that the three engines stay
 * within about a minute each on a shared 2-core machine; bench/ sweeps a
 * million. The issue's size, outside CI: SWEEPER_MODEL_THREADS=1002
 * SWEEPER_MODEL_STEPS=100 SWEEPER_MODEL_ENGINES=postgres (bench/RESULTS.md).
 */
const threads = Number(process.env.SWEEPER_MODEL_THREADS ?? 60);
const steps = Number(process.env.SWEEPER_MODEL_STEPS ?? 40);
if (!(Number.isSafeInteger(threads) && threads >= 6 && threads % 6 === 0 && Number.isSafeInteger(steps) && steps >= 30))
  throw new Error("SWEEPER_MODEL_THREADS must be a multiple of 6 (one thread of each kind in turn) and SWEEPER_MODEL_STEPS >= 30");
const engines = testEngines.filter((e) => (process.env.SWEEPER_MODEL_ENGINES ?? e).split(",").includes(e));
// Seeding time grows with the size: the hooks' limit with it.
const scale = Math.max(1, (threads * steps) / 2400);
const kinds = ["defaults", "versions25", "pinnedIdle", "age", "idleDelete", "idleKeepLatest"] as const;
type Kind = (typeof kinds)[number];
const kindOf = (t: number): Kind => kinds[t % kinds.length]!;
const threadId = (t: number) => `thread-${String(t).padStart(3, "0")}-${kindOf(t)}`;
const namespacesOf = (t: number) => (t % 2 === 0 ? ["", "sub:1"] : [""]);
const agedBelow = 20;

/** What must remain of a namespace's `steps` checkpoints after one pass. */
function model(kind: Kind): number[] {
  const all = Array.from({ length: steps }, (_, i) => i);
  switch (kind) {
    case "defaults":
      return all.slice(-10);
    case "versions25":
      return all.slice(-25);
    case "pinnedIdle":
      return all;
    case "age":
      return all.filter((i) => i >= agedBelow);
    case "idleDelete":
      return [];
    case "idleKeepLatest":
      return all.slice(-1);
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const key = (t: CheckpointTuple) => `${t.config!.threadId}|${t.config!.checkpointNs}|${t.config!.checkpointId}`;

async function seed(server: TestServer) {
  const { client } = server;
  let next = 0;
  const worker = async () => {
    for (let t = next++; t < threads; t = next++) {
      for (const ns of namespacesOf(t)) {
        // A namespace's history in two Batch calls (its puts, then their writes): a thousand round trips
        // a thread would take PGlite minutes.
        const history = Array.from({ length: steps }, (_, i) => retentionStep(threadId(t), ns, i));
        const older = history.slice(0, 6);
        const newer = history.slice(6);
        const save = async (part: typeof history) => {
          const puts = await client.batch({ calls: part.map((s) => ({ call: { case: "put" as const, value: s.put } })) });
          const writes = await client.batch({ calls: part.map((s) => ({ call: { case: "putWrites" as const, value: s.writes } })) });
          for (const r of [...puts.results, ...writes.results]) expect(r.result.case).not.toBe("error");
        };
        await save(older);
        if (kindOf(t) === "defaults" && ns === "") {
          // A claimed resume and a pending one, older than every checkpoint the policy keeps.
          const value = { type: "json", data: new Uint8Array([1]) };
          const claimed = await client.resume({ threadId: threadId(t), values: { i1: value } });
          await client.claimResume({ threadId: threadId(t), resumeId: claimed.resumeId, workerId: "w" });
          await client.resume({ threadId: threadId(t), values: { i2: value } });
        }
        // Later checkpoints are written later (the event trim goes by time).
        await new Promise((resolve) => setTimeout(resolve, 2));
        await save(newer);
      }
      const policy =
        kindOf(t) === "versions25"
          ? { maxVersions: 25 }
          : kindOf(t) === "pinnedIdle"
            ? { pinned: true }
            : kindOf(t) === "age"
              ? { maxVersions: 0, maxAge: { seconds: 3600n } }
              : kindOf(t) === "idleKeepLatest"
                ? { ttlStrategy: TtlStrategy.KEEP_LATEST }
                : undefined;
      if (policy !== undefined) await client.setRetention({ threadId: threadId(t), policy });
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  // Age and idleness, set in the tables (waiting hours is not an option): the checkpoints below
  // agedBelow of "age" threads are two hours old (their events too); the "idle" threads were last
  // written two hours ago.
  const ids = (kind: Kind) =>
    Array.from({ length: threads }, (_, t) => t)
      .filter((t) => kindOf(t) === kind)
      .map(threadId);
  await sql`update checkpoints set created_at = created_at - interval '2 hours'
    where thread_id in (${sql.join(ids("age"))}) and checkpoint_id < ${retentionCheckpointId(agedBelow)}`.execute(server.db);
  await sql`update thread_events e set created_at = e.created_at - interval '2 hours' where thread_id in (${sql.join(ids("age"))})
    and created_at < (select min(created_at) from checkpoints c where c.tenant = e.tenant and c.thread_id = e.thread_id
      and c.checkpoint_id >= ${retentionCheckpointId(agedBelow)})`.execute(server.db);
  await sql`update thread_event_counters set touched_at = now() - interval '2 hours'
    where thread_id in (${sql.join([...ids("pinnedIdle"), ...ids("idleDelete"), ...ids("idleKeepLatest")])})`.execute(server.db);
}

describe.each(engines)("the sweeper on %s", (engine) => {
  let server: TestServer;
  const before = new Map<string, CheckpointTuple>();

  beforeAll(async () => {
    server = await startTestServer(engine, undefined, {
      cache: createMemoryCache(),
      retention: { maxVersions: 10, maxAgeMs: 0, ttlMs: 3_600_000, ttlStrategy: "delete", refreshOnRead: false },
      // Driven by the test (runPass); the timer would first tick in six hours.
      // One pass looks at every thread (the expired ones first, then the walk): room for both.
      sweeper: { intervalMs: 86_400_000, batch: Math.max(1000, 2 * threads) },
      listPageSize: 100,
    });
    await seed(server);
    for (const r of await collect(server.client.list({}))) before.set(key(r.tuple!), r.tuple!);
    expect(before.size).toBe(threads * steps * 1.5);
  }, 180_000 * scale);
  afterAll(() => server.close());

  it(
    "one pass leaves exactly what the model says, byte for byte, and nothing unreferenced",
    async () => {
      // Cached reads of checkpoints the pass removes: the cache must not answer them afterwards.
      const doomed = { config: { threadId: threadId(0), checkpointNs: "", checkpointId: retentionCheckpointId(0) } };
      expect((await server.client.getTuple(doomed)).tuple).toBeDefined();
      const latestOfDeleted = { config: { threadId: threadId(4), checkpointNs: "" } };
      expect((await server.client.getTuple(latestOfDeleted)).tuple).toBeDefined();
      // Live watchers of a trimmed and of a deleted thread.
      const watch = openWatch(server.client);
      const tip = async (t: number) =>
        (
          await server.db
            .selectFrom("thread_event_counters")
            .select("last_event_id")
            .where("thread_id", "=", threadId(t))
            .executeTakeFirstOrThrow()
        ).last_event_id;
      watch.send({ kind: { case: "subscribe", value: { threadId: threadId(0), afterEventId: BigInt(await tip(0)) } } });
      watch.send({ kind: { case: "subscribe", value: { threadId: threadId(4), afterEventId: BigInt(await tip(4)) } } });

      const started = Date.now();
      const pass = await server.sweeper!.runPass({ force: true });
      const ms = Date.now() - started;
      expect(pass).toMatchObject({ ran: true, leaseLost: false, threadsDeleted: threads / 6 });
      process.stdout.write(`sweep on ${engine}: ${JSON.stringify(pass)} in ${ms} ms (${before.size} checkpoints before)\n`);

      const expected = new Set<string>();
      for (let t = 0; t < threads; t++) {
        for (const ns of namespacesOf(t))
          for (const i of model(kindOf(t))) expected.add(`${threadId(t)}|${ns}|${retentionCheckpointId(i)}`);
      }
      const after = await collect(server.client.list({}));
      expect(after.map((r) => key(r.tuple!)).sort()).toEqual([...expected].sort());
      expect(pass.checkpointsDeleted).toBe(before.size - expected.size);
      for (const [n, { tuple }] of after.entries()) {
        const was = before.get(key(tuple!))!;
        if (!equals(CheckpointTupleSchema, tuple!, was))
          expect(toJson(CheckpointTupleSchema, tuple!)).toEqual(toJson(CheckpointTupleSchema, was));
        // And through GetTuple by id (the path the cache serves), for one in five.
        if (n % 5 !== 0) continue;
        const { tuple: read } = await server.client.getTuple({ config: tuple!.config! });
        expect(equals(CheckpointTupleSchema, read!, was)).toBe(true);
      }
      expect((await server.client.getTuple(doomed)).tuple).toBeUndefined();
      expect((await server.client.getTuple(latestOfDeleted)).tuple).toBeUndefined();

      const count = async (query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(server.db)).rows[0]!.n);
      // No write without its checkpoint.
      expect(
        await count(sql`select count(*) as n from checkpoint_writes w where not exists (select 1 from checkpoints c
      where c.tenant = w.tenant and c.thread_id = w.thread_id and c.checkpoint_ns = w.checkpoint_ns and c.checkpoint_id = w.checkpoint_id)`),
      ).toBe(0);
      // No value that no remaining checkpoint names (the values kept checkpoints share stay: the
      // byte-for-byte reads above rebuild every one of them).
      const references = sql`select c.tenant, c.thread_id, c.checkpoint_ns, v.channel, ${versionKeySql(sql`v.version`)} as version
      from checkpoints c, jsonb_each(c.checkpoint->'channel_versions') as v(channel, version)`;
      expect(
        await count(sql`select count(*) as n from checkpoint_blobs b where not exists (select 1 from (${references}) r
      where r.tenant = b.tenant and r.thread_id = b.thread_id and r.checkpoint_ns = b.checkpoint_ns and r.channel = b.channel
        and r.version = b.version)`),
      ).toBe(0);
      expect(await count(sql`select count(*) as n from checkpoint_blobs`)).toBeGreaterThan(0);
      // No event older than its thread's oldest kept checkpoint, in the threads a policy trimmed.
      expect(
        await count(sql`select count(*) as n from thread_events e where e.thread_id not like '%pinned%' and e.created_at <
      (select min(c.created_at) from checkpoints c where c.tenant = e.tenant and c.thread_id = e.thread_id)`),
      ).toBe(0);
      // A deleted thread keeps nothing but its thread_deleted event.
      expect(
        await count(sql`select count(*) as n from thread_events where thread_id like '%idleDelete' and kind <> 'thread_deleted'`),
      ).toBe(0);
      expect(await count(sql`select count(*) as n from thread_events where thread_id like '%idleDelete'`)).toBe(threads / 6);
      // Claimed resumes older than the kept history went; pending ones stay.
      expect(await count(sql`select count(*) as n from resumes where claimed_by is not null`)).toBe(0);
      expect(await count(sql`select count(*) as n from resumes where claimed_by is null`)).toBe(threads / 6);

      // The watchers heard of it: thread 0 lost all but 10 checkpoints in each of its two namespaces.
      const seen: string[] = [];
      while (seen.length < 3) {
        const { event } = await watch.nextEvent();
        const kind = event!.kind;
        seen.push(
          `${event!.threadId} ${kind.case}${kind.case === "checkpointsPruned" ? ` [${kind.value.checkpointNs}] ${kind.value.beforeCheckpointId} ${kind.value.count}` : ""}`,
        );
      }
      watch.close();
      const before10 = retentionCheckpointId(steps - 10);
      expect(seen.sort()).toEqual([
        `${threadId(0)} checkpointsPruned [] ${before10} ${steps - 10}`,
        `${threadId(0)} checkpointsPruned [sub:1] ${before10} ${steps - 10}`,
        `${threadId(4)} threadDeleted`,
      ]);
    },
    120_000 * scale,
  );

  it("a watcher behind the compaction point gets OUT_OF_RANGE with the id to subscribe after", async () => {
    const thread = threadId(0);
    const { compacted_through } = await server.db
      .selectFrom("thread_event_counters")
      .select("compacted_through")
      .where("thread_id", "=", thread)
      .executeTakeFirstOrThrow();
    const compacted = BigInt(compacted_through);
    expect(compacted).toBeGreaterThan(0n);
    const error = await collect(server.client.subscribe({ threadId: thread, afterEventId: 1n })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.OutOfRange);
    expect((error as ConnectError).rawMessage).toBe(
      `events up to ${compacted} were compacted; read the thread's latest state and subscribe after ${compacted}`,
    );
    expect((error as ConnectError).metadata.get("compacted-through")).toBe(String(compacted));
    // On a Watch stream: a WatchError for that subscription, and the stream lives on.
    const watch = openWatch(server.client);
    watch.send({ kind: { case: "subscribe", value: { threadId: thread, afterEventId: 0n } } });
    const { event } = await watch.nextEvent();
    expect(event!.threadId).toBe(thread);
    expect(event!.kind.case).toBe("error");
    expect(event!.kind.value).toMatchObject({ code: Code.OutOfRange, compactedThrough: compacted });
    // Subscribing after the point replays what is kept, from compacted + 1.
    watch.send({ kind: { case: "subscribe", value: { threadId: thread, afterEventId: compacted } } });
    const { event: first } = await watch.nextEvent();
    expect(first!.eventId).toBe(compacted + 1n);
    watch.close();
  });

  it("a second pass changes nothing (idempotent)", async () => {
    const keys = (await collect(server.client.list({}))).map((r) => key(r.tuple!)).sort();
    const again = await server.sweeper!.runPass({ force: true });
    expect(again).toMatchObject({ ran: true, checkpointsDeleted: 0, threadsDeleted: 0, threadsPruned: 0, eventsTrimmed: 0 });
    expect((await collect(server.client.list({}))).map((r) => key(r.tuple!)).sort()).toEqual(keys);
  });
});
